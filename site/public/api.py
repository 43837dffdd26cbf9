"""The public JSON API (X.5): filing, status, review requests and guidance, for other platforms
and front ends that use the system headless.

Each endpoint does what the website does, through the same code: filing is validated by
`PublicFilingForm` and filed by `file_public_petition` with the same abuse checks
(`petitions.intake.abuse`); status uses the page's lookup, limit and `public_view_of`. No session
and no login: every request stands alone, so there is no CSRF to check.

The OpenAPI schema is at /api/schema/, its browsable docs (Swagger UI, served from this
server's static files) at /api/docs/.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _g
from ninja import Field, File, Form, NinjaAPI, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from pydantic import ConfigDict

from petition_site.public.forms import StatusForm
from petitions.intake import abuse, public_requests
from petitions.intake.filing import PUBLIC_KINDS, PublicFilingForm, Submitted, submit_public_filing
from petitions.intake.filing import find_case_for_lookup as _find_case
from petitions.intake.status import acceptance_due, lookup_refusal, public_rules, public_view_of
from snippets.models import Category, Channel
from snippets.referral import guide_entries


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese text as it is, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="环境信访工作平台 API",
    version="1",
    description=(
        "网上信访的 JSON 接口：提交信访事项、查询办理情况、申请复查复核、获取受理指南。"
        "所有文字为简体中文。"
    ),
    urls_namespace="public_api",
    openapi_url="/schema/",
    docs_url="/docs/",
    renderer=ChineseJSONRenderer(),
)


# --- schemas ---------------------------------------------------------------------------------


class ChallengeOut(Schema):
    question: str = Field(description="验证问题，答案用数字填写")
    token: str = Field(description="与答案一起提交的 challenge 字段")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict, description="逐项的错误说明")
    challenge: ChallengeOut | None = Field(
        None, description="多次提交后须回答的验证问题：提交 challenge 和 challenge_answer"
    )


class MessageOut(Schema):
    detail: str


class FilingIn(Schema):
    """The fields of the website's filing form (multipart/form-data); all text."""

    kind: str = Field("", description="信访事项类型：见 /api/guidance/ 的 kinds")
    categories: list[str] = Field(default_factory=list, description="问题类别 id，可多个")
    place: str = Field("", description="问题发生地点（必填）")
    latitude: str = Field("", description="纬度（选填，WGS 84，与经度同时提供）")
    longitude: str = Field("", description="经度（选填，WGS 84，与纬度同时提供）")
    reported_party: str = ""
    description: str = Field("", description="反映内容（必填）")
    demands: str = ""
    anonymous: str = Field("", description="匿名举报时为 true（仅限检举、揭发、控告）")
    name: str = Field("", description="姓名（匿名举报除外必填）")
    phone: str = Field("", description="联系电话（匿名举报除外必填）")
    id_number: str = ""
    address: str = ""
    privacy_consent: str = Field("", description="信访人已同意个人信息说明时为 true（必填）")
    submission_token: str = Field(
        "", description="幂等键：也可用 Idempotency-Key 请求头；20–64 位字母、数字、- 或 _"
    )
    challenge: str = ""
    challenge_answer: str = ""


class FilingOut(Schema):
    number: str = Field(description="信访事项编号")
    query_code: str | None = Field(
        description="查询码：只在第一次创建时返回，请交给信访人保存；重复提交时为 null"
    )
    acceptance_due: dt.date | None = Field(description="告知是否受理的期限")
    created: bool


class StatusIn(Schema):
    number: str = Field("", description="信访事项编号")
    query_code: str = Field("", description="查询码")


class DeadlineOut(Schema):
    label: str
    due_on: dt.date | None = None
    provisional: bool = False


class ReplyOut(Schema):
    stage: str
    replied_on: dt.date | None = None
    text: str


class StatusOut(Schema):
    """What the status page shows: never staff, internal notes or the petitioner's identity."""

    model_config = ConfigDict(extra="allow")

    number: str
    state_label: str
    received_on: dt.date | None = None
    deadlines: list[DeadlineOut] = Field(default_factory=list)
    windows: list[DeadlineOut] = Field(default_factory=list)
    replies: list[ReplyOut] = Field(default_factory=list)
    not_accepted_reason: str | None = None
    legal_route: str = ""
    competent_agency: str = ""
    agency_contact: str = ""


class ReviewRequestIn(StatusIn):
    kind: str = Field("", description="review（复查）或 re_review（复核）")
    request_text: str = Field("", description="请求复查（复核）的理由和请求")


class RefusedOut(Schema):
    detail: str
    route: str = Field("", description="可以走的其他途径")


class OptionOut(Schema):
    value: str
    label: str


class CategoryOut(Schema):
    id: int
    name: str


class ChannelOut(Schema):
    code: str
    name: str


class TimeLimitOut(Schema):
    label: str
    limit: str
    basis: str = ""


class ReferralOut(Schema):
    matter: str
    agency: str
    contact: str
    legal_basis: str
    how_to_complain: str
    remedy: str


class GuidanceOut(Schema):
    kinds: list[OptionOut]
    categories: list[CategoryOut]
    channels: list[ChannelOut]
    time_limits: list[TimeLimitOut]
    referral_guide: list[ReferralOut]


# --- errors ----------------------------------------------------------------------------------


def _type_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _g("必须填写。")
    if kind.startswith("string"):
        return _g("应为文本。")
    if kind.startswith("json"):
        return _g("请求内容不是有效的 JSON。")
    return _g("格式不正确。")


@api.exception_handler(NinjaValidationError)
def _request_malformed(request, exc: NinjaValidationError):
    """Wrong JSON or wrong types: the same 422 shape as a form error, in Chinese."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        # ("body", "payload", "number") → "number"; a whole-body error → "__all__"
        field = loc[2] if len(loc) > 2 else "__all__"
        errors.setdefault(field, []).append(_type_message(error))
    return api.create_response(
        request, {"detail": _g("请求格式不正确。"), "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """A body that cannot be parsed (400), in Chinese."""
    message = _g("请求内容无法解析，请发送有效的 JSON。") if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


def _form_errors(form, renames: dict[str, str] | None = None) -> dict[str, list[str]]:
    renames = renames or {}
    return {
        renames.get(field, field): [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


def _challenge_out(address: str, phone: str) -> dict | None:
    if not abuse.challenge_needed(address, phone):
        return None
    challenge = abuse.new_challenge()
    return {"question": challenge.question, "token": challenge.token}


# --- endpoints -------------------------------------------------------------------------------


@api.post(
    "/petitions/",
    response={201: FilingOut, 200: FilingOut, 422: ErrorOut, 429: MessageOut},
    summary="提交信访事项（网上信访）",
    description=(
        "与网站“我要信访”表单相同的字段、校验和提交频率限制，multipart/form-data，"
        "可附一个照片（JPEG、PNG）或 PDF 附件（attachment，10 MB 以内）。"
        "请在 Idempotency-Key 请求头中提供幂等键，重试时保持不变：重复提交返回同一编号（200），"
        "不会重复立案。首次提交返回 201 和查询码，查询码只返回这一次。"
        "校验不通过返回 422 和逐项的中文说明；提交过于频繁返回 429；"
        "多次提交后须回答验证问题（见 422 响应中的 challenge）。"
    ),
    tags=["信访事项"],
)
def file_petition(
    request,
    payload: Form[FilingIn],
    attachment: File[UploadedFile | None] = None,
):
    """Files a petition exactly as the website's form does (multipart/form-data, optional
    `attachment`: a JPEG, PNG or PDF of at most 10 MB).

    Send an idempotency key in the `Idempotency-Key` header (or the `submission_token`
    field) and keep it when retrying: a repeat returns the same case with 200 and files
    nothing. 201 on the first filing, with the query code, which is never returned again.
    """
    data = request.POST.copy()
    data["submission_token"] = request.headers.get("Idempotency-Key") or payload.submission_token
    form = PublicFilingForm(data, request.FILES)
    address = abuse.client_address(request)
    if not form.is_valid():
        errors = _form_errors(form)
        if "submission_token" in errors:
            errors["submission_token"] = [
                _g(
                    "请在 Idempotency-Key 请求头（或 submission_token 字段）中提供20至64位的"
                    "字母、数字、“-”或“_”，重试同一次提交时保持不变。"
                )
            ]
        return Status(
            422,
            {
                "detail": _g("请修改以下问题后再提交"),
                "errors": errors,
                "challenge": _challenge_out(address, data.get("phone", "")),
            },
        )
    outcome = submit_public_filing(form, address=address)
    if not isinstance(outcome, Submitted):
        if outcome.status == 429:
            return Status(429, {"detail": outcome.message})
        return Status(
            422,
            {
                "detail": outcome.message,
                "errors": {outcome.field or "__all__": [outcome.message]},
                "challenge": _challenge_out(address, form.cleaned_data.get("phone", "")),
            },
        )
    return Status(
        201 if outcome.created else 200,
        {
            "number": outcome.case.number,
            "query_code": outcome.query_code,
            "acceptance_due": acceptance_due(outcome.case),
            "created": outcome.created,
        },
    )


def _look_up(request, payload: StatusIn):
    """(case, None) or (None, Status(...)): the status page's limit, checks and lookup."""
    if refused := lookup_refusal(request):
        return None, Status(429, {"detail": refused})
    form = StatusForm({"number": payload.number, "code": payload.query_code})
    if not form.is_valid():
        errors = _form_errors(form, {"code": "query_code"})
        return None, Status(422, {"detail": _g("请修改以下问题后再提交"), "errors": errors})
    case = _find_case(form.cleaned_data["number"], form.cleaned_data["code"])
    if case is None:
        # The same answer whichever of the two is wrong.
        return None, Status(404, {"detail": _g("编号或查询码不正确")})
    return case, None


@api.post(
    "/status/",
    response={200: StatusOut, 404: MessageOut, 422: ErrorOut, 429: MessageOut},
    summary="查询办理情况",
    description=(
        "凭信访事项编号和查询码查询办理状态、期限和答复，与网站查询页面相同；"
        "不含工作人员和信访人身份信息。编号或查询码错误一律返回相同的 404；查询过于频繁返回 429。"
    ),
    tags=["信访事项"],
)
def status(request, payload: StatusIn):
    """The state, due dates and replies of a case, given its number and query code: what the
    status page shows. A wrong number and a wrong code give the same 404."""
    case, refusal = _look_up(request, payload)
    if refusal is not None:
        return refusal
    # Through JSON once: dates and translated labels become plain values.
    return Status(200, json.loads(json.dumps(public_view_of(case), cls=DjangoJSONEncoder)))


#: The API's names for the two online requests, and the function that makes each.
REVIEW_FUNCTIONS = {"review": "request_review_online", "re_review": "request_re_review_online"}


@api.post(
    "/review-requests/",
    response={
        201: StatusOut,
        404: MessageOut,
        409: RefusedOut,
        422: ErrorOut,
        429: MessageOut,
    },
    summary="申请复查或复核",
    description=(
        "凭编号和查询码在线请求复查（kind=review）或复核（kind=re_review）。"
        "成功返回 201 和最新办理情况；现在不能在线请求时返回 409，"
        "detail 说明原因，route 说明还可以通过什么途径。"
    ),
    tags=["信访事项"],
)
def review_request(request, payload: ReviewRequestIn):
    """Asks for a review (复查) or re-review (复核) of a case online, given its number and query
    code; 201 with the case as the status lookup shows it. 409 when it cannot be asked online
    now, with the reason (`detail`) and what the petitioner can still do (`route`)."""
    if payload.kind not in REVIEW_FUNCTIONS:
        return Status(
            422,
            {
                "detail": _g("请修改以下问题后再提交"),
                "errors": {"kind": [_g("请选择 review（复查）或 re_review（复核）。")]},
            },
        )
    case, refusal = _look_up(request, payload)
    if refusal is not None:
        return refusal
    make_request = getattr(public_requests, REVIEW_FUNCTIONS[payload.kind])
    try:
        case = make_request(case, request_text=payload.request_text)
    except public_requests.PublicRequestRefused as refused:
        if getattr(refused, "field", None):
            # The step is possible, the input is not.
            return Status(
                422,
                {"detail": _g("请修改以下问题后再提交"), "errors": {refused.field: [str(refused)]}},
            )
        return Status(409, {"detail": str(refused), "route": str(refused.route or "")})
    return Status(201, json.loads(json.dumps(public_view_of(case), cls=DjangoJSONEncoder)))


@api.get(
    "/guidance/",
    response=GuidanceOut,
    summary="受理指南",
    description=(
        "可以反映的信访事项类型、问题类别、信访渠道、系统实际执行的办理时限，"
        "以及不属于本局职责的事项应向哪个机关反映。"
    ),
    tags=["指南"],
)
def guidance(request):
    """What the public may file and how: the kinds of petition, the problem categories, the
    channels, the time limits the system enforces, and matters that other agencies handle."""
    return {
        "kinds": [{"value": value, "label": str(label)} for value, label in PUBLIC_KINDS],
        "categories": [
            {"id": c.pk, "name": c.name} for c in Category.objects.order_by("sort_order", "id")
        ],
        "channels": [
            {"code": c.code, "name": c.name}
            for c in Channel.objects.filter(active=True, source=Channel.Source.DIRECT).order_by(
                "sort_order", "id"
            )
        ],
        "time_limits": [
            {"label": str(r["label"]), "limit": str(r["limit"]), "basis": str(r["basis"] or "")}
            for r in public_rules()
        ],
        "referral_guide": [
            {
                "matter": e.matter,
                "agency": e.agency,
                "contact": e.contact,
                "legal_basis": e.legal_basis,
                "how_to_complain": e.how_to_complain,
                "remedy": e.remedy,
            }
            for e in guide_entries(public=True)
        ],
    }
