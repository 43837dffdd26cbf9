"""Checks on what petitioners and staff type, with messages in the user's language."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_PHONE = re.compile(r"^(\+?86[- ]?)?(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def validate_phone(value: str) -> None:
    """A mainland mobile (11 digits), a landline with or without its area code."""
    if not _PHONE.match(value.replace(" ", "")):
        raise ValidationError(
            _("请输入有效的电话号码：11位手机号，或固定电话（可带区号，如 023-68781234）。"),
            code="phone",
        )


def validate_id_number(value: str) -> None:
    """An 18-character resident ID number with its check digit (GB 11643)."""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_("身份证号应为18位，最后一位可以是X。"), code="id_format")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_checksum")


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
#: What an attachment may be, recognised by its first bytes, not by its name.
ATTACHMENT_SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"%PDF-": ("application/pdf", ".pdf"),
}


def attachment_content_type(upload) -> str:
    """The content type of an uploaded photo or PDF, checked by content; else ValidationError."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("附件“%(name)s”超过 10 MB。") % {"name": upload.name}, code="attachment_size"
        )
    head = upload.read(8)
    upload.seek(0)
    for signature, (content_type, _suffix) in ATTACHMENT_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    raise ValidationError(
        _("附件“%(name)s”不是照片（JPEG、PNG）或 PDF 文件。") % {"name": upload.name},
        code="attachment_type",
    )


def checked_attachment(upload):
    """An optional upload, checked by content and marked with its type for `file_case`."""
    if upload:
        upload.checked_content_type = attachment_content_type(upload)
    return upload


def say_field_in_length_errors(form) -> None:
    """A text too long is named by its field (“反映内容”最多 5000 字), not Django's "该变量"."""
    for field in form.fields.values():
        if getattr(field, "max_length", None):
            field.error_messages["max_length"] = _(
                "“%(label)s”最多 %(limit)d 字，现在有 %(count)s 字，请删减。"
            ) % {"label": field.label, "limit": field.max_length, "count": "%(show_value)d"}
