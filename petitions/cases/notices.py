"""Notices, letters and messages a case produces, from the administrators' templates."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.cases.bulk_rows import insert_new
from petitions.cases.models import (
    Case,
    Petitioner,
    PetitionerMessage,
    Verification,
)
from petitions.cases.sealing import seal
from rules.deadlines import REPLY_RULES
from rules.states import State
from rules.transitions import DECLINE_REASONS
from snippets import local_copies
from snippets.bureau import bureau_profile
from snippets.default_templates import DEFAULT_TEMPLATES, VERIFICATION_INSTRUCTION
from snippets.models import MessageTemplate
from snippets.templating import instructions, placeholder_names, render

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

#: What the outbox seals its texts for (petitions.cases.sealing).
OUTBOX_PURPOSE = b"sms-outbox"


def enqueue_petitioner_message(
    case: Case, event: str, *, query_code: str = "", template: str = ""
) -> None:
    """Queue the message for this event; the worker sends it and retries a failure.

    A query code goes into the text only to be sent: the outbox keeps the text with the code
    blotted out and the whole text sealed, which the worker opens to send and then forgets.
    `template` names the message's text when one text serves several events (a query code
    issued again is a new event, sent with the same text).
    """
    extra = {"查询码": query_code} if query_code else None
    if case.anonymous or (body := render_message(case, template or event, extra)) is None:
        return
    now = timezone.now()
    # A query code never rests in the outbox in clear: the text is kept with the code blotted
    # out, and sealed whole for the worker to send (petitions.worker.messages).
    sealed = seal(body, OUTBOX_PURPOSE) if query_code else ""
    if query_code:
        body = body.replace(query_code, "*" * len(query_code))
    # One message per event and number (one_message_per_event): a repeat adds nothing.
    insert_new(
        PetitionerMessage,
        [
            {
                "case": case.pk,
                "event": event,
                "to": phone,
                "body": body,
                "redact": sealed,
                "next_attempt_at": now,
            }
            for phone in dict.fromkeys(p.phone for p in case.petitioners.all() if p.phone)
        ],
        now=now,
        ignore_conflicts=True,
    )


#: Placeholders whose value needs nothing but the case's own row and the bureau's profile.
_ROW_PLACEHOLDERS = frozenset(
    {"局名称", "局简称", "局电话", "局地址", "接待时间", "落款", "管理办法", "案件编号"}
    | {"收到日期", "问题发生地点", "来源工单号", "今天", "查询码"}
)


def enqueue_petitioner_messages(cases: Sequence[Case], event: str) -> None:
    """`enqueue_petitioner_message` for many cases at once (the worker's set-wise steps): the
    same messages, in a fixed number of statements when the template needs only the cases' own
    rows (the starter texts of every event the worker takes do), else one case at a time."""
    key = f"sms_{event}"
    cases = [case for case in cases if not case.anonymous]
    if key not in DEFAULT_TEMPLATES or not cases:
        return
    _title, body = template_text(key)
    if not set(placeholder_names(body)) <= _ROW_PLACEHOLDERS:
        for case in cases:
            enqueue_petitioner_message(case, event)
        return
    bureau = bureau_profile()
    phones: dict[int, list[str]] = {}
    for case_id, phone in (
        Petitioner.objects.filter(case__in=cases).exclude(phone="").values_list("case_id", "phone")
    ):
        phones.setdefault(case_id, []).append(phone)
    sent = set(
        PetitionerMessage.objects.filter(case__in=cases, event=event).values_list("case_id", "to")
    )
    now = timezone.now()
    today = letter_date(timezone.localdate())
    rows = []
    for case in cases:
        text = None
        for phone in phones.get(case.pk, ()):
            if (case.pk, phone) in sent:
                continue
            sent.add((case.pk, phone))
            if text is None:
                text = render(
                    body,
                    {
                        "局名称": bureau.name,
                        "局简称": bureau.short,
                        "局电话": bureau.phone,
                        "局地址": bureau.address,
                        "接待时间": bureau.office_hours,
                        "落款": bureau.signature,
                        "管理办法": bureau.regulation,
                        "案件编号": case.number,
                        "收到日期": letter_date(case.received_on),
                        "问题发生地点": case.place,
                        "来源工单号": case.source_ticket_number,
                        "今天": today,
                        "查询码": "",
                    },
                )
            rows.append(
                PetitionerMessage(
                    case=case, event=event, to=phone, body=text, redact="", next_attempt_at=now
                )
            )
    PetitionerMessage.objects.bulk_create(rows, ignore_conflicts=True)


@dataclass(frozen=True)
class Notice:
    key: str
    label: StrOrPromise
    #: Goes to someone other than the petitioner: never names them (A24.3).
    leaves_out_identity: bool = False


NOTICES = {
    n.key: n
    for n in [
        Notice("acceptance", _("受理告知书")),
        Notice("non_acceptance", _("不予受理告知书")),
        Notice("referral", _("引导告知书（不属本局职权）")),
        Notice("objection", _("异议函"), leaves_out_identity=True),
        Notice("reply_letter", _("答复意见书")),
    ]
}


def available_notices(case: Case) -> list[Notice]:
    decision = case.decision or {}
    found = []
    if case.accepted_on and case.state != State.VOIDED:
        found.append(NOTICES["acceptance"])
    if decision.get("reason_kind"):
        found.append(NOTICES["non_acceptance"])
    if decision.get("competent_agency"):
        found.append(NOTICES["referral"])
    if decision.get("objection_reasons"):
        found.append(NOTICES["objection"])
    if case.replies.exists():
        found.append(NOTICES["reply_letter"])
    return found


def letter_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def co_department_names(case: Case) -> str:
    """The co-handling departments (协办科室), 乙科、丙科."""
    return "、".join(
        d.name
        for d in case.co_departments.order_by("sort_order", "name")
        if d.pk != case.host_department_id
    )


def replying_department(case: Case) -> str:
    """Who gives the reply (第十六条): the host department; for a case for several departments,
    the lead department and those it replies with (甲科（牵头科室）会同乙科)."""
    if case.host_department_id is None:
        return ""
    if not (co := co_department_names(case)):
        return case.host_department.name
    return f"{case.host_department.name}（牵头科室）会同{co}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；.!?" else f"{text}。"


def verification_text(verification: Verification) -> str:
    """One verification as the reply letter tells it (第六条)."""
    when = letter_date(verification.checked_on)
    return (
        f"{when}，{verification.checked_by}到{verification.place}，"
        f"通过{verification.method_labels}对{verification.subject}进行了核查。"
        f"核查发现：{_sentence(verification.findings)}"
    )


def verifications_text(case: Case, stage: str | None = None) -> str:
    """The verifications of a stage (or of the whole case), numbered when there are several;
    the drafter's instruction while there are none."""
    rows = list(case.verifications.order_by("checked_on", "id"))
    if stage is not None and any(v.stage == stage for v in rows):
        rows = [v for v in rows if v.stage == stage]
    if not rows:
        return VERIFICATION_INSTRUCTION
    if len(rows) == 1:
        return verification_text(rows[0])
    return "\n".join(f"（{n}）{verification_text(v)}" for n, v in enumerate(rows, 1))


def reply_template_instructions() -> tuple[str, ...]:
    """The instructions (（…）) a reply draft must no longer hold: those of the starter template,
    of the template in use, and what {核查情况} stands for before any verification."""
    _title, body = template_text("reply_draft")
    found = [
        *instructions(DEFAULT_TEMPLATES["reply_draft"][1]),
        *instructions(body),
        VERIFICATION_INSTRUCTION,
    ]
    return tuple(dict.fromkeys(found))


class PlaceholderValues(MutableMapping[str, str]):
    """The placeholders' values for one case, each computed when a template first uses it: a
    message that names only the case number reads nothing more from the database."""

    def __init__(self, getters: dict[str, Callable[[], str]]):
        self._getters = getters
        self._values: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._values:
            self._values[name] = self._getters[name]()
        return self._values[name]

    def __setitem__(self, name: str, value: str) -> None:
        self._values[name] = value

    def __delitem__(self, name: str) -> None:
        self._values.pop(name, None)
        self._getters.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._getters, *self._values]))

    def __len__(self) -> int:
        return len(self._getters.keys() | self._values.keys())


def placeholder_values(case: Case, *, leaves_out_identity: bool = False) -> PlaceholderValues:
    """The values of the fixed placeholders for one case (see snippets.templating)."""
    decision = case.decision or {}
    bureau = bureau_profile()

    def petitioner_name() -> str:
        petitioner = None
        if not (leaves_out_identity or case.anonymous):
            petitioner = case.petitioners.first()
        return petitioner.name if petitioner else "信访人"

    def reply_due() -> str:
        reply_deadline = case.deadlines.filter(rule__in=REPLY_RULES).first()
        return letter_date(reply_deadline.due_on) if reply_deadline else ""

    def last_reply_text() -> str:
        last_reply = case.replies.order_by("-replied_on", "-id").first()
        return last_reply.text if last_reply else ""

    def decline_reasons() -> str:
        return "。".join(
            p
            for p in [
                str(dict(DECLINE_REASONS).get(decision.get("reason_kind"), "")),
                decision.get("reason", ""),
            ]
            if p
        )

    route = decision.get("legal_route", "")
    return PlaceholderValues(
        {
            "局名称": lambda: bureau.name,
            "局简称": lambda: bureau.short,
            "局电话": lambda: bureau.phone,
            "局地址": lambda: bureau.address,
            "接待时间": lambda: bureau.office_hours,
            "落款": lambda: bureau.signature,
            "管理办法": lambda: bureau.regulation,
            "案件编号": lambda: case.number,
            "收到日期": lambda: letter_date(case.received_on),
            "受理日期": lambda: letter_date(case.accepted_on),
            "答复期限": reply_due,
            "信访人姓名": petitioner_name,
            "问题发生地点": lambda: case.place,
            "承办科室": lambda: case.host_department.name if case.host_department_id else "",
            "有权机关": lambda: decision.get("competent_agency", ""),
            "有权机关联系方式": lambda: decision.get("agency_contact", ""),
            "引导内容": lambda: decision.get("guidance", ""),
            "不予受理理由": decline_reasons,
            "引导途径": lambda: f"根据第十四条，您可以：{route}" if route else "",
            "异议理由": lambda: decision.get("objection_reasons", ""),
            "来源渠道": lambda: case.channel.name,
            "来源工单号": lambda: case.source_ticket_number,
            "答复内容": last_reply_text,
            "答复单位": lambda: replying_department(case),
            "核查情况": lambda: verifications_text(case),
            "今天": lambda: letter_date(timezone.localdate()),
            "查询码": lambda: "",
        }
    )


def template_text(key: str) -> tuple[str, str]:
    """The administrators' title and body for `key`, or the starter text if none is saved."""
    # In a request that checked the configuration's version (a public filing), this process's
    # copy of the templates is current: no statement.
    saved = local_copies.saved_message_templates()
    if saved is not None:
        return saved[key] if key in saved else DEFAULT_TEMPLATES[key]
    # The key is unique: no ordering, and only the two columns (read on every public filing).
    for title, body in MessageTemplate.objects.filter(key=key).values_list("title", "body")[:1]:
        return title, body
    return DEFAULT_TEMPLATES[key]


def render_notice(case: Case, notice: Notice, *, query_code: str = "") -> tuple[str, str]:
    """The notice's title and text; `query_code` is a code just issued, for {查询码}."""
    title, body = template_text(notice.key)
    values = placeholder_values(case, leaves_out_identity=notice.leaves_out_identity)
    if query_code and not notice.leaves_out_identity:
        values["查询码"] = query_code
    return title, render(body, values)


def render_message(case: Case, event: str, extra: dict[str, str] | None = None) -> str | None:
    key = f"sms_{event}"
    if key not in DEFAULT_TEMPLATES:
        return None
    _title, body = template_text(key)
    return render(body, ChainMap(extra or {}, placeholder_values(case)))
