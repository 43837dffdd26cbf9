"""Django loads an app's models from here; they live in the capability that owns them."""

from petitions.cases.models import (  # noqa: F401
    Alert,
    Attachment,
    Case,
    CaseDeletionForbidden,
    CaseNumberSequence,
    CaseQuerySet,
    CaseSearchEntry,
    Contribution,
    Deadline,
    DuplicateKey,
    Feedback,
    Petitioner,
    PetitionerMessage,
    Recusal,
    Reply,
    ReplyDraft,
    Supervision,
    Transfer,
    Verification,
    attachment_path,
    private_storage,
)
from petitions.intake.models import PublicSubmission, QueryCode  # noqa: F401
from petitions.reports.models import SpotCheck, SpotCheckDraw, Talk  # noqa: F401
from petitions.transfer.models import ExportJob, ImportJob  # noqa: F401
