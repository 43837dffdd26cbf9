"""Placeholders in administrators' templates: a fixed list, substituted as plain text.

No template language runs: `{案件编号}` is replaced by its value, every other character is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

#: The placeholders administrators may use, with what each stands for.
PLACEHOLDERS: dict[str, str] = {
    "局名称": _("本局全称（本局信息）"),
    "局简称": _("本局简称（本局信息；未填则为全称）"),
    "局电话": _("本局信访电话"),
    "局地址": _("本局来访地址"),
    "接待时间": _("本局接待时间"),
    "落款": _("文书落款（本局信息；未填则为全称）"),
    "管理办法": _("本局信访工作管理办法的名称"),
    "案件编号": _("案件编号"),
    "收到日期": _("收到信访事项的日期"),
    "受理日期": _("受理日期"),
    "答复期限": _("答复期限"),
    "信访人姓名": _("信访人姓名（对外文书中检举人身份不输出）"),
    "问题发生地点": _("问题发生地点"),
    "承办科室": _("承办科室"),
    "有权机关": _("有权处理的机关（引导时）"),
    "有权机关联系方式": _("有权机关的联系方式"),
    "引导内容": _("引导内容"),
    "不予受理理由": _("不予受理的理由"),
    "引导途径": _("法定途径（诉讼、仲裁、行政复议等）"),
    "异议理由": _("异议理由"),
    "来源渠道": _("交办渠道"),
    "来源工单号": _("来源工单号"),
    "答复内容": _("答复内容"),
    "答复单位": _("答复的科室：涉及多个科室的，写明牵头科室和会办科室（第十六条）"),
    "核查情况": _("核查记录：时间、地点、人员、方式、发现的情况和结论（第六条）"),
    "今天": _("今天的日期"),
    "查询码": _(
        "查询码（只用于含查询码的短信和签发查询码时打印的受理告知书；短信发出后从记录中抹去）"
    ),
    "接访区领导": _("公开接访的区领导（区领导公开接访报告）"),
    "区领导所在单位": _("公开接访区领导所在单位（区领导公开接访报告）"),
    "接访日期": _("区领导公开接访的日期（区领导公开接访报告）"),
    "办结情况": _("承办科室的办结情况报告（区领导公开接访报告）"),
}

_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")
#: An instruction to the person filling a draft in: text in full-width brackets with no
#: placeholder inside, e.g. （核查时间、地点、方式和发现的情况）.
_INSTRUCTION = re.compile(r"（[^（）{}]+）")


def placeholder_names(text: str) -> list[str]:
    """The known placeholders a text uses, each once."""
    return sorted({m for m in _PLACEHOLDER.findall(text) if m in PLACEHOLDERS})


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})


def render(text: str, values: Mapping[str, str]) -> str:
    """Replace each known {名称} by its value; unknown ones stay as they are."""

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        return str(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return _PLACEHOLDER.sub(substitute, text)


def instructions(text: str) -> list[str]:
    """The bracketed instructions of a draft template, in order, each once."""
    return list(dict.fromkeys(_INSTRUCTION.findall(text)))
