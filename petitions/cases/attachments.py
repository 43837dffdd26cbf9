"""Files added to a case (附件): at intake, as evidence of a verification, or at any later stage.

Every file has been checked by its content (validators.checked_attachment) before it gets here,
and is stored under a server-made name outside MEDIA_ROOT (models.private_storage); it is
downloaded only through the case's attachment view, by those who may see the case.
"""

from __future__ import annotations

from collections.abc import Iterable

from petitions.cases.models import Attachment, Case, Verification


def store_attachments(
    case: Case,
    uploads: Iterable,
    *,
    user=None,
    verification: Verification | None = None,
    note: str = "",
) -> list[Attachment]:
    """Keep each checked upload with the case (and the verification it is evidence of)."""
    uploaded_by = user if user is not None and user.is_authenticated else None
    return [
        Attachment.objects.create(
            case=case,
            file=upload,
            original_name=upload.name[:255],
            content_type=upload.checked_content_type,
            size=upload.size,
            uploaded_by=uploaded_by,
            verification=verification,
            note=note[:300],
        )
        for upload in uploads
    ]
