from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from rules.transitions import TRANSITIONS

from .models import Case
from .views import CaseViewSet, case_permission_policy

register_permission_policy(Case, case_permission_policy)


@hooks.register("register_admin_viewset")
def register_case_viewset():
    return CaseViewSet()


@hooks.register("register_log_actions")
def register_petition_log_actions(actions):
    """Every step of the transition table is an audit-log action of its own (petitions.*)."""
    actions.register_action("petitions.file", _("收件登记"), _("收件并编号"))
    for transition in TRANSITIONS.values():
        actions.register_action(transition.log_action, transition.label, transition.label)
    actions.register_action("petitions.deadline_recomputed", _("期限重新计算"), _("期限重新计算"))
    actions.register_action("petitions.reveal_identity", _("查看信访人身份"), _("查看信访人身份"))
    actions.register_action("petitions.download_attachment", _("下载附件"), _("下载附件"))
