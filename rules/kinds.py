"""The kinds of petition the bureau accepts (信访类型, 第十四条)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    POLLUTION = "pollution", _("环境污染扰民投诉")
    SUPERIOR = "superior", _("上级交办环境信访案件")
    VIOLATION_REPORT = "violation_report", _("检举、揭发、控告环境违法行为")
    CRITICISM = "criticism", _("对本局或工作人员的批评、建议")
    CONSULTATION = "consultation", _("对本局业务工作的咨询、建议")
