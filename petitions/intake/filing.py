"""Filing from the public website (X.1): the form, the query code, and an idempotent filing.

Every case is still filed by `petitions.cases.filing.file_case`; this module only turns a checked
public form into a `Filing`, and makes a repeated submission of the same form file one case.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from petitions.cases import fields
from petitions.cases.bulk_rows import insert_new
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.models import Case
from petitions.cases.notices import enqueue_petitioner_message
from petitions.cases.validators import (
    checked_attachment,
    say_field_in_length_errors,
    validate_id_number,
    validate_phone,
)
from petitions.intake import abuse
from petitions.intake.models import PublicSubmission, QueryCode
from rules.kinds import Kind
from snippets import local_copies
from snippets.models import Category, Channel

WEBSITE_CHANNEL_CODE = "website"

#: Unambiguous characters only: no 0/O, 1/I/L.
QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
QUERY_CODE_LENGTH = 8

#: What a member of the public can file; 上级交办 comes only from superior bodies.
PUBLIC_KINDS = [(k.value, k.label) for k in Kind if k != Kind.SUPERIOR]

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_submission_token() -> str:
    return secrets.token_urlsafe(32)


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def normalise_query_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


#: The stored form of a keyed hash: hmac_sha256$<key id>$<hex digest>.
HMAC_PREFIX = "hmac_sha256"


class QueryCodeHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds than a password gets: how query codes were hashed before the
    keyed hash. Only checks codes stored that way (the stored string names its own rounds), so
    no petitioner loses access; new codes get `hash_query_code`."""

    iterations = 100_000


_QUERY_CODE_HASHER = QueryCodeHasher()


def _key_id(key: str) -> str:
    """A short public name of a key, stored with each hash, so a check knows which key to use
    after a rotation (it reveals nothing of the key: a hash of it under a fixed label)."""
    return hmac.new(key.encode(), b"query-code-key-id", hashlib.sha256).hexdigest()[:8]


def _keys() -> dict[str, str]:
    """The current key and the old ones still accepted, by key id."""
    keys = [settings.PETITIONS_QUERY_CODE_KEY, *settings.PETITIONS_QUERY_CODE_OLD_KEYS]
    return {_key_id(key): key for key in reversed(keys)}


def _digest(key: str, code: str) -> str:
    return hmac.new(key.encode(), normalise_query_code(code).encode(), hashlib.sha256).hexdigest()


def hash_query_code(code: str) -> str:
    """The stored form of a query code: HMAC-SHA256 under a key kept outside the database.

    A query code is random (8 of 31 characters, about 2^40) and guessed online only under the
    lookup limit. Without the key a stolen database gives nothing to guess against; a hash is
    microseconds, where PBKDF2 cost every filing and lookup tens of milliseconds of CPU.
    """
    key = settings.PETITIONS_QUERY_CODE_KEY
    return f"{HMAC_PREFIX}${_key_id(key)}${_digest(key, code)}"


def query_code_matches(code: str, encoded: str | None) -> bool:
    """Check a code against its stored hash: keyed (current or an old key), or PBKDF2 as it was
    stored before. With no stored hash, still compute one (no timing oracle)."""
    if encoded is None:
        hash_query_code(code)
        return False
    if encoded.startswith(f"{HMAC_PREFIX}$"):
        _prefix, key_id, digest = (encoded.split("$", 2) + ["", ""])[:3]
        key = _keys().get(key_id)
        if key is None:
            hash_query_code(code)
            return False
        return hmac.compare_digest(_digest(key, code), digest)
    return _QUERY_CODE_HASHER.verify(normalise_query_code(code), encoded)


def anonymity_errors(data: dict) -> dict[str, str]:
    """The anonymity rule (第十四条): only a report of a violation may be anonymous; everyone
    else leaves a name and a phone. Same messages as the admin intake form."""
    errors = {}
    anonymous = data.get("anonymous")
    if anonymous and data.get("kind") not in ("", None, Kind.VIOLATION_REPORT):
        errors["anonymous"] = _g(
            "只有检举、揭发、控告环境违法行为的可以匿名，其他信访事项须留下姓名和电话。"
        )
    if not anonymous:
        if not data.get("name"):
            errors["name"] = _g("请填写您的姓名（匿名举报除外）。")
        if not data.get("phone"):
            errors["phone"] = _g("请填写联系电话（匿名举报除外）。")
    return errors


class PublicFilingForm(forms.Form):
    """网上信访: the form a member of the public fills in, no account needed."""

    kind = forms.ChoiceField(label=_("信访事项类型"), choices=[("", "---------"), *PUBLIC_KINDS])
    categories = fields.ModelMultipleChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    place = forms.CharField(
        label=_("问题发生地点"),
        max_length=300,
        help_text=_("尽量写清街道、小区或单位名称、门牌号。"),
    )
    latitude = forms.DecimalField(
        label=_("纬度"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("经度"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    reported_party = forms.CharField(
        label=_("被反映对象"),
        max_length=200,
        required=False,
        help_text=_("如企业、工地、餐馆的名称；不清楚可以不填。"),
    )
    description = fields.LongTextField(
        label=_("反映内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("发生了什么、从什么时候开始、多长时间一次。"),
    )
    demands = fields.LongTextField(
        label=_("诉求"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(
        label=_("匿名举报"),
        required=False,
        help_text=_("只有检举、揭发、控告环境违法行为的可以匿名；匿名时可以不留姓名和电话。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        required=False,
        validators=[validate_id_number],
        help_text=_("选填。"),
    )
    address = forms.CharField(
        label=_("住址"), max_length=300, required=False, help_text=_("选填。")
    )
    attachment = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("选填。照片（JPEG、PNG）或 PDF，10 MB 以内。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    privacy_consent = forms.BooleanField(
        label=_(
            "我已阅读并同意：本局只为办理本信访事项使用我填写的个人信息，"
            "不向被反映对象透露举报人的身份和材料。"
        ),
    )
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    #: The question asked after repeated filings (petitions.intake.abuse): its signed token, and the
    #: answer. Checked by petitions.intake.abuse.check_filing, not here: whether it is needed depends
    #: on who is filing.
    challenge = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)
    challenge_answer = forms.CharField(
        label=_("验证问题"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    #: A honeypot: hidden from people, filled in by robots.
    website = forms.CharField(
        label=_("请勿填写此项"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        # The fields with their messages in the visitor's language, made once per process and
        # language and shared by its forms (_SharedFields).
        language = get_language()
        prepared = _PREPARED_FIELDS.get(language)
        if prepared is None:
            prepared = _PREPARED_FIELDS[language] = _SharedFields(self._prepared_fields())
        self.base_fields = prepared
        super().__init__(*args, **kwargs)
        # Name and phone are required unless the report is anonymous (anonymity_errors): the
        # prepared fields say so before the error does (a script follows the box as it changes).
        if self["anonymous"].value():
            for name in ("name", "phone"):
                self._own_field(name).widget.attrs.pop("required", None)

    def _own_field(self, name: str) -> forms.Field:
        """This form's own copy of a field, to change (the prepared ones are shared)."""
        field = self.fields[name] = copy.deepcopy(self.fields[name])
        self._bound_fields_cache.pop(name, None)
        return field

    @classmethod
    def _prepared_fields(cls) -> dict[str, forms.Field]:
        """A copy of the declared fields with the messages and widgets this form gives them."""
        fields = copy.deepcopy(cls.base_fields)
        for field in fields.values():
            if field.required:
                field.error_messages["required"] = _g("请填写“%(label)s”。") % {
                    "label": field.label
                }
        fields["privacy_consent"].error_messages["required"] = _g(
            "请阅读个人信息说明并勾选同意，才能提交。"
        )
        say_field_in_length_errors(SimpleNamespace(fields=fields))
        # Long texts are not cut off as they are typed or pasted: a counter shows how much room
        # is left (public/char-counter.js), and the server's error names the field.
        for name in ("description", "demands"):
            field = fields[name]
            field.widget.attrs.pop("maxlength", None)
            field.widget.attrs["data-max-chars"] = field.max_length
            field.counts_characters = True
        fields["submission_token"].error_messages["required"] = _g(
            "表单已失效，请刷新页面后重新填写。"
        )
        for name in ("name", "phone"):
            fields[name].widget.attrs["required"] = True  # unless anonymous (see __init__)
        return fields

    def clean_submission_token(self) -> str:
        token = self.cleaned_data["submission_token"]
        if not _TOKEN.match(token):
            raise forms.ValidationError(_g("表单已失效，请刷新页面后重新填写。"))
        return token

    def clean_id_number(self) -> str:
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def clean_phone(self) -> str:
        return (self.cleaned_data.get("phone") or "").strip()

    def clean_latitude(self):
        return _to_micro_degrees(self.cleaned_data.get("latitude"))

    def clean_longitude(self):
        return _to_micro_degrees(self.cleaned_data.get("longitude"))

    def clean_attachment(self):
        return checked_attachment(self.cleaned_data.get("attachment"))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            # A robot: refuse without saying why.
            raise forms.ValidationError(_g("提交未成功，请稍后重试。"), code="honeypot")
        one_coordinate = (data.get("latitude") is None) != (data.get("longitude") is None)
        if one_coordinate and "latitude" not in self.errors and "longitude" not in self.errors:
            self.add_error("longitude", _g("请同时填写经度和纬度，或者都不填。"))
        for field, message in anonymity_errors(data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data

    #: The challenge question shown with the form, if one is asked.
    challenge_question: str | None = None

    def ask(self, challenge) -> None:
        """Show this challenge (petitions.intake.abuse.Challenge) with the form, with an empty answer."""
        self.challenge_question = challenge.question
        # A bound field made before (for its error) keeps the old label: made again.
        self._own_field("challenge_answer").label = challenge.question
        if self.is_bound:
            self.data = self.data.copy()
            self.data["challenge"] = challenge.token
            self.data["challenge_answer"] = ""
        else:
            self.initial["challenge"] = challenge.token

    def describe_errors(self) -> None:
        """Point each field with an error at its message, for screen readers."""
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                ids = [f"{bound.auto_id}_error"]
                if self.fields[name].help_text:
                    ids.append(f"{bound.auto_id}_helptext")
                self._own_field(name).widget.attrs["aria-describedby"] = " ".join(ids)

    def to_filing(self, channel: Channel) -> Filing:
        d = self.cleaned_data
        petitioners = []
        if not d.get("anonymous") or d.get("name") or d.get("phone"):
            petitioners.append(
                PetitionerData(
                    name=d.get("name", ""),
                    phone=d.get("phone", ""),
                    id_number=d.get("id_number", ""),
                    address=d.get("address", ""),
                )
            )
        return Filing(
            channel=channel,
            received_at=timezone.now(),
            kind=d["kind"],
            categories=_chosen(d.get("categories")),
            petitioners=petitioners,
            anonymous=bool(d.get("anonymous")),
            place=d["place"],
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            reported_party=d.get("reported_party", ""),
            description=d["description"],
            demands=d.get("demands", ""),
            attachments=[d["attachment"]] if d.get("attachment") else [],
        )


def _chosen(categories) -> list[Category]:
    """The categories chosen: none is the field's `queryset.none()`, whose evaluation still
    compiles a query (most filings choose none)."""
    if categories is None or categories.query.is_empty():
        return []
    return list(categories)


class _SharedFields(dict):
    """Prepared form fields that every form of the process shares: Django deep-copies a form's
    `base_fields` into its own `fields` (9 % of a filing's CPU); these give a new dict of the same
    fields. A form changes none of them in place: it changes its own copy (`_own_field`)."""

    def __deepcopy__(self, memo) -> dict[str, forms.Field]:
        return dict(self)


#: PublicFilingForm's fields as its __init__ prepares them, by language (see there).
_PREPARED_FIELDS: dict[str | None, _SharedFields] = {}


def _to_micro_degrees(value: Decimal | None) -> Decimal | None:
    """A phone reports more decimals than anyone needs: 6 places are about 0.1 m."""
    if value is None:
        return None
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def website_channel() -> Channel:
    """The website channel with its time limits, from this process's copy (snippets.local_copies)."""
    return local_copies.channel(WEBSITE_CHANNEL_CODE)


def file_public_petition(
    form: PublicFilingForm,
    *,
    submission_token: str,
    also: Callable[[Case], object] | None = None,
) -> tuple[Case, str | None, bool]:
    """File a valid public form once: (case, query code, created).

    The same token returns the case it filed the first time, with no query code (only its hash
    is kept; the view shows the code again from the petitioner's sealed receipt cookie). Two requests with the
    same token at once file one case: the unique token makes the second one roll back.
    `also(case)` runs in the same transaction when a case was filed (one commit for all).
    """
    code = new_query_code()
    code_hash = hash_query_code(code)
    # Read and built before the transaction: on SQLite it holds the one write lock from its start.
    filing = form.to_filing(website_channel())
    try:
        with transaction.atomic():
            # A repeat, or the other request committed first (SQLite serialises writers).
            if (existing := _existing(submission_token)) is not None:
                return existing, None, False
            # No savepoint of its own: any failure ends this transaction.
            case = file_case(filing, savepoint=False)
            insert_new(
                PublicSubmission,
                [{"token": submission_token, "case": case.pk, "query_code_hash": code_hash}],
            )
            # The receipt by SMS too (X.1): number and query code.
            enqueue_petitioner_message(case, "filed_online", query_code=code)
            if also is not None:
                also(case)
    except IntegrityError:
        existing = _existing(submission_token)
        if existing is None:
            raise
        return existing, None, False
    return case, code, True


@dataclass(frozen=True)
class Submitted:
    case: Case
    #: Shown once, on the receipt; None when the same submission came again.
    query_code: str | None
    created: bool


def submit_public_filing(form: PublicFilingForm, *, address: str) -> Submitted | abuse.Refusal:
    """The one way a valid public filing goes, from the website or the API: the abuse checks
    for this address and phone, the filing (once per submission token), and the count.

    The count is written in the filing's transaction: one commit for both (on SQLite each
    commit is a disk flush under the one write lock).
    """
    entries = abuse.read_counters(
        address, form.cleaned_data.get("phone") or "", also=[local_copies.VERSION_KEY]
    )
    refusal = abuse.check_filing(address, form.cleaned_data, entries=entries)
    if refusal is not None:
        return refusal
    # The channel, its limits and the message's text: this process's copies, current as of the
    # version read with the counters (no statement of their own).
    with local_copies.checked(local_copies.shared_version(entries)):
        case, code, created = file_public_petition(
            form,
            submission_token=form.cleaned_data["submission_token"],
            also=lambda case: abuse.record_filing(address, form.cleaned_data, entries=entries),
        )
    return Submitted(case=case, query_code=code, created=created)


_EXISTING_SQL = f"SELECT case_id FROM {PublicSubmission._meta.db_table} WHERE token = %s"  # noqa: S608 (the model's table)


def _existing(token: str) -> Case | None:
    # Asked on every filing and almost always empty: a bare lookup of the token's index (plain
    # SQL: compiling the query cost more than running it), the case read only for a repeat.
    with connection.cursor() as cursor:
        cursor.execute(_EXISTING_SQL, [token])
        found = cursor.fetchone()
    return Case.objects.get(pk=found[0]) if found else None


def find_case_for_lookup(number: str, code: str) -> Case | None:
    """The case with this number and query code, or None, whichever of the two is wrong.

    The code is the one on the online receipt, or the one staff issued last for a petition by
    phone, letter or visit (petitions.intake.query_codes).
    """
    case = Case.objects.filter(number__iexact=(number or "").strip()).first()
    # The code staff issued last (petitions.intake.query_codes) replaces the receipt's.
    issued = QueryCode.objects.filter(case=case).values_list("code_hash", flat=True).first()
    if issued is None:
        issued = (
            PublicSubmission.objects.filter(case=case)
            .values_list("query_code_hash", flat=True)
            .first()
        )
    if not query_code_matches(code, issued if case else None):
        return None
    return case
