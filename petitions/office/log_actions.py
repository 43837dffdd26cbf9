"""How the working systems' audit-log entries read, on their own records and on the case's
timeline (registered in petitions/wagtail_hooks.py with the case's own actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogActionRegistry

from petitions.cases.log_actions import CaseLogFormatter

#: action: (label, message). The comment written with each entry is its detail line.
OFFICE_ACTIONS = {
    "office.duty_officer": (_("值班人员类别"), _("设置值班人员类别")),
    "office.duty_shift_create": (_("排班"), _("录入值班班次")),
    "office.duty_shift_change": (_("调整排班"), _("调整值班班次")),
    "office.duty_call": (_("值班来电"), _("记录值班来电")),
    "office.duty_call_verified": (_("现场核实"), _("记录现场核实处置")),
    "office.duty_call_called_back": (_("回复来电人"), _("记录回复来电人")),
    "office.duty_call_handed_over": (_("转支队登记"), _("值班来电转支队登记")),
    "office.duty_call_flagged": (_("交班未处置"), _("交班时来电未处置")),
    "office.reception": (_("领导接访"), _("登记领导接访")),
    "office.reception_case": (_("领导接访案件"), _("领导接访产生的案件")),
    "office.group_visit": (_("集访接访"), _("记录集访接访")),
    "office.district_notice": (_("区领导公开接访"), _("登记区领导公开接访通知")),
    "office.district_report": (_("办结情况报告"), _("提交办结情况报告")),
    "office.district_report_approved": (_("报告审核通过"), _("办结情况报告审核通过")),
    "office.district_report_returned": (_("报告退回"), _("办结情况报告退回修改")),
    "office.district_petitioner_replied": (_("回复信访人"), _("区领导公开接访事项已回复信访人")),
    "office.district_document_sent": (_("报送正式文件"), _("正式文件报送并抄报区信访办")),
    "office.district_document_printed": (_("打印正式文件"), _("打印区领导公开接访报告")),
    "office.reward_applied": (_("有奖举报申请"), _("有奖举报申请")),
    "office.reward_checked": (_("有奖举报审查"), _("有奖举报审查")),
    "office.reward_approved": (_("有奖举报审批"), _("有奖举报审批")),
    "office.reward_paid": (_("有奖举报发放"), _("有奖举报发放")),
    "office.reward_amount_changed": (_("奖励金额变更"), _("奖励金额变更")),
    "office.mediation_proposed": (_("行政调解"), _("征求当事人调解意见")),
    "office.mediation_consent": (_("调解意见"), _("当事人表态")),
    "office.mediation_no_consent": (_("不同意调解"), _("当事人不同意调解")),
    "office.mediation_started": (_("开始调解"), _("开始行政调解")),
    "office.mediation_meeting": (_("调解会议"), _("记录调解会议")),
    "office.mediation_concluded": (_("调解结果"), _("行政调解结束")),
    "office.referral_drafted": (_("移交纪检监察"), _("起草移交纪检监察")),
    "office.referral_referred": (_("会签移交"), _("会签并移交纪检监察组")),
    "office.referral_concluded": (_("纪检监察处理结果"), _("纪检监察组记录处理结果")),
    "office.self_examination": (_("书面检查"), _("登记书面检查")),
    "office.candidate_decided": (_("追责提示研判"), _("追责提示处理决定")),
}


def register_office_log_actions(actions: LogActionRegistry) -> None:
    """Each action reads like a case's: the comment is the line under it in the timeline."""
    for action, (label, message) in OFFICE_ACTIONS.items():
        formatter = type(
            "OfficeActionFormatter", (CaseLogFormatter,), {"label": label, "message": message}
        )
        actions.register_action(action)(formatter)
