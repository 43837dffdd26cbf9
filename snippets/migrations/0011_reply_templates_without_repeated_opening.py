"""The reply templates as the starter now writes them, where the bureau has not changed them.

The old reply letter said "经{承办科室}调查核实，现答复如下：" and the old reply draft began
"经{承办科室}调查核实：", so the printed letter said it twice; the draft now starts from the
verification record ({核查情况}, 第六条) and the letter names the lead department ({答复单位},
第十六条). A template the bureau edited is left as it is.
"""

from django.db import migrations

OLD = {
    "reply_letter": (
        "{信访人姓名}：\n您反映的信访事项（编号{案件编号}），经{承办科室}调查核实，现答复如下：\n"
        "{答复内容}\n如对本答复不服，可以自收到本答复之日起30日内向本局或上级部门请求复查。"
    ),
    "reply_draft": (
        "经{承办科室}调查核实：\n（核查时间、地点、方式和发现的情况）\n\n"
        "处理意见：\n（诉求合理的，说明解决情况；诉求无理的，说明理由和依据）"
    ),
}
NEW = {
    "reply_letter": (
        "{信访人姓名}：\n您反映的信访事项（编号{案件编号}），经{答复单位}调查核实，现答复如下：\n"
        "{答复内容}\n如对本答复不服，可以自收到本答复之日起30日内向本局或上级部门请求复查。"
    ),
    "reply_draft": (
        "一、核查情况\n{核查情况}\n\n"
        "二、处理意见\n（诉求合理的，说明解决情况；诉求无理的，说明理由和依据）"
    ),
}


def rewrite(apps, schema_editor, old=OLD, new=NEW):
    MessageTemplate = apps.get_model("snippets", "MessageTemplate")
    for key, body in old.items():
        MessageTemplate.objects.filter(key=key, body=body).update(body=new[key])


def restore(apps, schema_editor):
    rewrite(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [("snippets", "0010_bureau_members_district_reception_rule")]

    operations = [migrations.RunPython(rewrite, restore)]
