"""Admin forms: intake of a petition, editing its description, and one form per transition."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from petitions.cases import fields as choice_fields
from petitions.cases.filing import Filing, PetitionerData
from petitions.cases.models import Case
from petitions.cases.validators import (
    checked_attachment,
    say_field_in_length_errors,
    validate_id_number,
    validate_phone,
)
from rules.kinds import Kind
from rules.roles import Role
from rules.transitions import FieldKind, Transition
from snippets.models import Category, Channel, Department, ReferralGuideEntry
from snippets.people import STAFF_ROLES, display_name, people_in_roles

IMPORTANT_FIELDS = [*Case.IMPORTANT_FLAGS, *Case.ESCALATION_FLAGS]


class CaseIntakeForm(WagtailAdminModelForm):
    """登记一件信访事项: whatever the channel, it gets its number on saving."""

    petitioner_name = forms.CharField(label=_("信访人姓名"), max_length=100, required=False)
    petitioner_phone = forms.CharField(
        label=_("联系电话"), max_length=30, required=False, validators=[validate_phone]
    )
    petitioner_id_number = forms.CharField(
        label=_("身份证号"), max_length=30, required=False, validators=[validate_id_number]
    )
    petitioner_address = forms.CharField(label=_("住址"), max_length=300, required=False)
    other_petitioners = forms.CharField(
        label=_("其他信访人"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("集体访或联名信访的其他信访人，每行一人：姓名 电话（电话可空）。"),
    )
    attachment = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("照片（JPEG、PNG）或 PDF，10 MB 以内。"),
    )

    class Meta:
        model = Case
        fields = [
            "channel",
            "received_at",
            "kind",
            "categories",
            "anonymous",
            "contact_unclear",
            "is_group_visit",
            "visitor_count",
            "place",
            "reported_party",
            "description",
            "demands",
            "source_ticket_number",
            "source_deadline",
            *IMPORTANT_FIELDS,
        ]
        widgets = {
            "received_at": AdminDateTimeInput,
            "source_deadline": AdminDateInput,
            "categories": forms.CheckboxSelectMultiple,
        }

    field_order = [
        "channel",
        "received_at",
        "petitioner_name",
        "petitioner_phone",
        "petitioner_id_number",
        "petitioner_address",
        "other_petitioners",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_field_in_length_errors(self)
        self.fields["channel"].queryset = Channel.objects.filter(active=True)
        self.fields["received_at"].initial = timezone.now
        self.fields["received_at"].required = False
        self.fields["received_at"].help_text = _("留空为现在。")

    def clean_other_petitioners(self) -> list[PetitionerData]:
        people, errors = [], []
        for number, line in enumerate(
            self.cleaned_data.get("other_petitioners", "").splitlines(), 1
        ):
            parts = line.split()
            if not parts:
                continue
            name, phone = parts[0], (parts[1] if len(parts) > 1 else "")
            if phone:
                try:
                    validate_phone(phone)
                except forms.ValidationError:
                    errors.append(
                        _g("第%(n)d行的电话号码无效：%(phone)s") % {"n": number, "phone": phone}
                    )
                    continue
            people.append(PetitionerData(name=name[:100], phone=phone))
        if errors:
            raise forms.ValidationError(errors)
        return people

    def clean_attachment(self):
        return checked_attachment(self.cleaned_data.get("attachment"))

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise forms.ValidationError(_g("收到时间不能晚于现在。"))
        return value

    def clean(self):
        data = super().clean()
        anonymous = data.get("anonymous")
        if anonymous and data.get("kind") not in ("", None, Kind.VIOLATION_REPORT):
            self.add_error(
                "anonymous",
                _g("只有检举、揭发、控告环境违法行为的可以匿名，其他信访事项须留下姓名和电话。"),
            )
        if not anonymous:
            if not data.get("petitioner_name"):
                self.add_error("petitioner_name", _g("请填写信访人姓名（匿名举报除外）。"))
            if not data.get("petitioner_phone") and not data.get("contact_unclear"):
                self.add_error(
                    "petitioner_phone",
                    _g("请填写联系电话；确实不清楚的，请勾选“联系方式不清”。"),
                )
        if data.get("is_group_visit") and not data.get("visitor_count"):
            self.add_error("visitor_count", _g("集体访须填写来访人数。"))
        channel = data.get("channel")
        if channel and channel.is_superior_assigned and not data.get("source_ticket_number"):
            self.add_error("source_ticket_number", _g("上级交办、转办的事项须填写来源工单号。"))
        return data

    def to_filing(self) -> Filing:
        d = self.cleaned_data
        petitioners = []
        if not d.get("anonymous") or d.get("petitioner_name") or d.get("petitioner_phone"):
            petitioners.append(
                PetitionerData(
                    name=d.get("petitioner_name", ""),
                    phone=d.get("petitioner_phone", ""),
                    id_number=(d.get("petitioner_id_number") or "").upper(),
                    address=d.get("petitioner_address", ""),
                    is_representative=bool(d.get("is_group_visit")),
                )
            )
        petitioners.extend(d.get("other_petitioners") or [])
        return Filing(
            channel=d["channel"],
            received_at=d.get("received_at") or timezone.now(),
            kind=d.get("kind") or "",
            categories=list(d.get("categories") or []),
            petitioners=petitioners,
            anonymous=bool(d.get("anonymous")),
            contact_unclear=bool(d.get("contact_unclear")),
            is_group_visit=bool(d.get("is_group_visit")),
            visitor_count=d.get("visitor_count"),
            place=d["place"],
            reported_party=d.get("reported_party", ""),
            description=d["description"],
            demands=d.get("demands", ""),
            source_ticket_number=d.get("source_ticket_number", ""),
            source_deadline=d.get("source_deadline"),
            important={name: bool(d.get(name)) for name in IMPORTANT_FIELDS},
            attachments=[d["attachment"]] if d.get("attachment") else [],
        )


class CaseEditForm(WagtailAdminModelForm):
    """Corrections of what the petition says, and the important-case flags (第十条)."""

    class Meta:
        model = Case
        fields = [
            "place",
            "reported_party",
            "description",
            "demands",
            "source_ticket_number",
            "source_deadline",
            "is_group_visit",
            "visitor_count",
            *IMPORTANT_FIELDS,
        ]
        widgets = {"source_deadline": AdminDateInput}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CheckedFilesField(forms.FileField):
    """Several photos or PDFs, each checked by its content like the intake's attachment."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        single = super().clean
        return [checked_attachment(single(upload, initial)) for upload in uploads]


#: Texts written at length on a step's form: the reply is a letter, not a note.
LONG_TEXT_ROWS = {"reply_text": 16, "findings": 6}


class TransitionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_field_in_length_errors(self)


def transition_form_class(transition: Transition) -> type[forms.Form]:
    """A form for exactly the data a transition needs, built from the transition table."""
    fields: dict[str, forms.Field] = {}
    for spec in transition.fields:
        common = {"label": spec.label, "required": spec.required, "help_text": spec.help_text}
        match spec.kind:
            case FieldKind.LINE:
                field = forms.CharField(max_length=300, **common)
            case FieldKind.TEXT:
                rows = LONG_TEXT_ROWS.get(spec.name, 4)
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), **common)
            case FieldKind.DATE:
                field = forms.DateField(widget=AdminDateInput, **common)
                if spec.default_today:
                    field.initial = timezone.localdate
            case FieldKind.CHOICE:
                field = forms.ChoiceField(choices=[("", "---------"), *spec.choices], **common)
            case FieldKind.KIND:
                field = forms.ChoiceField(choices=[("", "---------"), *Kind.choices], **common)
            case FieldKind.CATEGORIES:
                field = choice_fields.ModelMultipleChoiceField(
                    Category.objects.all(), widget=forms.CheckboxSelectMultiple, **common
                )
            case FieldKind.DEPARTMENT:
                field = choice_fields.ModelChoiceField(
                    Department.objects.filter(active=True), **common
                )
            case FieldKind.HANDLER:
                field = choice_fields.ModelChoiceField(people_in_roles([Role.HANDLER]), **common)
                field.label_from_instance = display_name
            case FieldKind.STAFF:
                field = choice_fields.ModelChoiceField(people_in_roles(STAFF_ROLES), **common)
                field.label_from_instance = display_name
            case FieldKind.REFERRAL:
                field = choice_fields.ModelChoiceField(
                    ReferralGuideEntry.objects.order_by("sort_order", "id"), **common
                )
            case FieldKind.DEPARTMENTS:
                field = choice_fields.ModelMultipleChoiceField(
                    Department.objects.filter(active=True),
                    widget=forms.CheckboxSelectMultiple,
                    **common,
                )
            case FieldKind.CHOICES:
                field = forms.MultipleChoiceField(
                    choices=spec.choices, widget=forms.CheckboxSelectMultiple, **common
                )
            case FieldKind.PHONE:
                field = forms.CharField(
                    max_length=30,
                    validators=[validate_phone],
                    widget=forms.TextInput(attrs={"inputmode": "tel"}),
                    **common,
                )
            case FieldKind.FILES:
                field = CheckedFilesField(**common)
        fields[spec.name] = field
    return type(f"{transition.name.title()}Form", (TransitionForm,), fields)
