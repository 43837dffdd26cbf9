"""How a case's audit-log entries read (办理过程).

One formatter per action, registered with Wagtail's log registry in `wagtail_hooks.py`: the case
page's timeline and Wagtail's own history and site-history views show the same sentences.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogActionRegistry, LogFormatter

from rules.states import State
from rules.transitions import TRANSITIONS

#: 第十四条, 第十九条第三款: a petition linked to, or declined against, an earlier case.
LINKED_CASE_LINES = (
    ("earlier_case", _("先前案件")),
    ("joined_case", _("并入的信访件")),
    ("petitioners", _("新增信访人")),
    ("later_case", _("再次反映的信访件")),
)


class CaseLogFormatter(LogFormatter):
    """An entry of a case's timeline: what was done, by whom if not a person, and its details.

    Wagtail's history and site-history views show one sentence per entry (the message), so the
    message carries the details; the case page shows the same parts on lines of their own.
    """

    def actor(self, log_entry) -> str:
        """Who acted when it was not a member of staff: the rules themselves, or the petitioner."""
        data = log_entry.data or {}
        if data.get("system"):
            return gettext("系统")
        if data.get("petitioner"):
            return gettext("信访人（网上）")
        return ""

    def details(self, log_entry) -> list[str]:
        """The lines under the entry: the rating, the petitioner's request, what a verification
        checked, a contribution, the lead department named, the comment."""
        data = log_entry.data or {}
        fields = data.get("fields") or {}
        lines = []
        if data.get("rating_label"):
            lines.append(f"{gettext('满意度')}：{data['rating_label']}")
        for key in ("request", "subject", "opinion", "comment"):
            if fields.get(key):
                lines.append(str(fields[key]))
        if fields.get("lead_department"):
            lines.append(f"{gettext('牵头科室')}：{fields['lead_department']}")
        for key, label in LINKED_CASE_LINES:
            if fields.get(key):
                lines.append(f"{label}：{fields[key]}")
        return lines

    def state_change(self, log_entry) -> str:
        """The state before and after, in words (已受理 → 已交办); "" when it did not change."""
        data = log_entry.data or {}
        source, target = data.get("from"), data.get("to")
        if not source or source == target:
            return ""
        return f"{_state_label(source)} → {_state_label(target)}"

    def parts(self, log_entry) -> list[str]:
        parts = [self.actor(log_entry), *self.details(log_entry), self.state_change(log_entry)]
        return [part for part in parts if part]

    def format_message(self, log_entry) -> str:
        parts = self.parts(log_entry)
        return f"{self.message}：{'；'.join(parts)}" if parts else str(self.message)


def _state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


#: The actions of a case besides the steps of the transition table (whose names are theirs).
OTHER_ACTIONS = {
    "petitions.file": (_("收件登记"), _("收件并编号")),
    "petitions.deadline_recomputed": (_("期限重新计算"), _("期限重新计算")),
    "petitions.supervise": (_("督办"), _("逾期督办")),
    "petitions.print_notice": (_("打印文书"), _("打印文书")),
    # Never the code itself: only that one was issued, and how many times (X.1).
    "petitions.issue_query_code": (_("签发查询码"), _("签发查询码")),
    "petitions.reveal_identity": (_("查看信访人身份"), _("查看信访人身份")),
    "petitions.download_attachment": (_("下载附件"), _("下载附件")),
    # Logged on the export job (导出任务): who downloaded a ledger built by the worker.
    "petitions.download_export": (_("下载台账导出"), _("下载台账导出文件")),
    "petitions.feedback": (_("满意度评价"), _("信访人满意度评价")),
    # Logged on the earlier case when a later petition on the same matter joins it or is
    # declined as a repeat (第十四条, 第十九条第三款).
    "petitions.duplicate_joined": (_("同一事项并入"), _("同一信访事项的信访件并入本案")),
    "petitions.repeat_declined": (_("同一事项再次反映"), _("同一事项再次反映，不予受理")),
    # Spot checks (第二十二条): logged on the draw and on each check.
    "petitions.spot_check_draw": (_("抽查抽样"), _("随机抽取抽查案件")),
    "petitions.spot_check_feedback": (_("抽查结果反馈科室"), _("抽查结果反馈承办科室")),
    "petitions.spot_check_answer": (_("科室答复抽查结果"), _("科室答复抽查结果")),
    "petitions.spot_check_report_leader": (_("抽查问题报告分管领导"), _("抽查问题报告分管领导")),
    "petitions.spot_check_report_head": (_("抽查问题报告主要负责人"), _("抽查问题报告主要负责人")),
}


def register_case_log_actions(actions: LogActionRegistry) -> None:
    """Every step of the transition table is an audit-log action of its own (petitions.*)."""
    entries = {t.log_action: (t.label, t.label) for t in TRANSITIONS.values()}
    entries.update(OTHER_ACTIONS)
    for action, (label, message) in entries.items():
        formatter = type(
            "CaseActionFormatter", (CaseLogFormatter,), {"label": label, "message": message}
        )
        actions.register_action(action)(formatter)
