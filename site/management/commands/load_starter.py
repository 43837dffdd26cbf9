"""The starter configuration of a district bureau (idempotent): run it as often as you like."""

import datetime as dt
import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from petition_site.public.starter import ensure_public_pages
from petitions.cases.filing import Filing, PetitionerData, file_case
from petitions.cases.models import Case
from petitions.cases.transitions import perform_transition
from petitions.reports.demo import demo_password, demo_verification, load_report_demo
from petitions.reports.records import grant_record_permissions
from petitions.transfer.importing import install_default_mappings
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.default_templates import DEFAULT_TEMPLATES
from snippets.models import (
    BureauLeadership,
    BureauProfile,
    BureauRules,
    Category,
    Channel,
    Department,
    MessageTemplate,
    ReferralGuideEntry,
    ResponsibilityRule,
)
from snippets.people import display_name

#: One demo login for each role (`load_starter --demo`): role, login, family and given name.
DEMO_LOGINS = [
    (Role.DETACHMENT, "zhidui", "陈", "建国"),
    (Role.HANDLER, "jingban", "刘", "芳"),
    (Role.DEPARTMENT_HEAD, "kezhang", "王", "海"),
    (Role.SUPERVISING_LEADER, "fenguan", "李", "明"),
    (Role.BUREAU_HEAD, "juzhang", "张", "伟"),
    (Role.OFFICE, "bangongshi", "周", "静"),
    (Role.DISCIPLINE, "jijian", "吴", "刚"),
    (Role.DUTY, "zhiban", "郑", "磊"),
]
#: The administrator's name in the demo, if it has none.
DEMO_ADMIN_NAME = ("赵", "敏")

DEPARTMENTS = [
    ("office", "办公室"),
    ("law", "法规与标准科"),
    ("air", "大气环境管理科"),
    ("water", "水生态环境科"),
    ("soil", "土壤与固体废物科"),
    ("nature", "自然生态保护科"),
    ("eia", "环境影响评价与排放管理科"),
    ("monitoring", "生态环境监测站"),
    ("education", "宣传教育中心"),
    ("detachment", "生态环境保护综合行政执法支队"),
]

CATEGORIES = [
    ("air", "大气"),
    ("water", "水"),
    ("noise", "噪声"),
    ("solid_waste", "固体废物"),
    ("soil", "土壤"),
    ("radiation", "辐射"),
    ("ecology", "生态"),
    ("other", "其他"),
]

# A14.1. The superior channels keep the regulation's defaults until the bureau enters their own
# limits in 配置 › 信访渠道 (第十七条第三款).
CHANNELS = [
    ("website", "网站", Channel.Source.DIRECT),
    ("letter", "来信", Channel.Source.DIRECT),
    ("phone", "来电", Channel.Source.DIRECT),
    ("fax", "传真", Channel.Source.DIRECT),
    ("visit", "来访", Channel.Source.DIRECT),
    ("hotline_12345", "12345市民热线", Channel.Source.SUPERIOR),
    ("internet_supervision", "互联网+督查", Channel.Source.SUPERIOR),
    ("government_mailbox", "政府信箱", Channel.Source.SUPERIOR),
    ("mayor_hotline", "市长公开电话", Channel.Source.SUPERIOR),
    ("other_superior", "其他上级交办", Channel.Source.SUPERIOR),
    ("transferred", "其他信访部门转办", Channel.Source.TRANSFERRED),
    ("leader_reception", "区领导接访", Channel.Source.LEADER_RECEPTION),
]

# domain-china.md §3: from public sources, to be confirmed by the bureau (confirmed=False).
REFERRAL_GUIDE = [
    (
        "露天烧烤、露天焚烧",
        "烧烤 焚烧 露天",
        "九龙坡区城市管理局",
        "12319",
        "《大气污染防治法》第八十一条、第一百一十八条、第一百一十九条",
    ),
    (
        "邻里、装修、娱乐、广场舞等社会生活噪声",
        "装修 广场舞 邻居 楼上 音响 KTV",
        "九龙坡区公安分局（先由物业、社区调解）",
        "110",
        "《噪声污染防治法》第八条、第八十七条",
    ),
    (
        "建筑工地扬尘",
        "扬尘 工地 渣土",
        "九龙坡区住房城乡建委（道路扬尘、渣土车：城管）",
        "",
        "《大气污染防治法》第六十八条",
    ),
    (
        "机动车鸣笛、改装排气、冒黑烟车辆",
        "鸣笛 改装 黑烟 炸街",
        "公安交通管理部门",
        "122",
        "《噪声污染防治法》第七十九条；《大气污染防治法》第一百一十三条",
    ),
    (
        "农业面源污染、秸秆焚烧",
        "秸秆 农药 化肥 养殖",
        "九龙坡区农业农村委、所在镇街",
        "",
        "《大气污染防治法》第一百一十九条",
    ),
    ("生活垃圾、环境卫生", "垃圾 环卫", "九龙坡区城市管理局（市容环卫）", "12319", ""),
    ("经营资质、营业执照", "执照 无证经营", "九龙坡区市场监督管理局", "12315", ""),
    (
        "污染损害赔偿纠纷",
        "赔偿 损失 补偿",
        "人民调解组织或人民法院",
        "",
        "民事纠纷：调解或民事诉讼",
    ),
]

# Starter rows of the 信访职责分工方案: the bureau replaces them with its own table.
RESPONSIBILITY = [
    ("violation_report", None, "", "detachment"),
    ("pollution", "air", "", "air"),
    ("pollution", "noise", "", "detachment"),
    ("pollution", "water", "", "water"),
    ("pollution", "soil", "", "soil"),
    ("pollution", "solid_waste", "", "soil"),
    ("pollution", "ecology", "", "nature"),
    ("pollution", "radiation", "", "detachment"),
    ("criticism", None, "", "office"),
    ("consultation", None, "", "law"),
    ("", None, "环评 环境影响评价 排污许可", "eia"),
]

CONFIG_MODELS = [
    "department",
    "category",
    "channel",
    "channeldeadline",
    "holidaynotice",
    "holidaynoticeday",
    "calendarcorrection",
    "responsibilityrule",
    "referralguideentry",
    "messagetemplate",
    "ownershipplan",
    "ownershipplanitem",
]

CASE_PERMS = ["view_case", "add_case", "change_case", "handle_case", "reveal_identity"]
ROLE_PERMISSIONS = {
    Role.DETACHMENT: CASE_PERMS,
    Role.HANDLER: ["view_case", "handle_case", "reveal_identity"],
    Role.DEPARTMENT_HEAD: ["view_case", "handle_case", "reveal_identity"],
    Role.SUPERVISING_LEADER: ["view_case", "handle_case", "reveal_identity"],
    Role.BUREAU_HEAD: ["view_case", "handle_case", "reveal_identity"],
    Role.OFFICE: ["view_case"],
    Role.DISCIPLINE: ["view_case"],
    Role.DUTY: ["view_case", "add_case"],
    Role.ADMINISTRATOR: ["add_recusal"],
}
DEMO_MARK = "【演示】"


class Command(BaseCommand):
    help = "载入入门配置：科室、渠道、问题类别、角色组和管理员；--demo 另建各状态的演示案件。"

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="创建各状态的演示案件")

    @transaction.atomic
    def handle(self, *args, demo=False, **options):
        for order, (code, name) in enumerate(DEPARTMENTS):
            Department.objects.get_or_create(
                code=code, defaults={"name": name, "sort_order": order}
            )
        for order, (code, name) in enumerate(CATEGORIES):
            Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
        for order, (code, name, source) in enumerate(CHANNELS):
            Channel.objects.get_or_create(
                code=code, defaults={"name": name, "source": source, "sort_order": order}
            )
        self._groups()
        self._configuration()
        grant_record_permissions()  # 抽查、约谈 records (petitions.reports.records)
        install_default_mappings()
        ensure_public_pages()
        # The sweeps' interval follows PETITIONS_SWEEP_MINUTES (the schedules are migrations).
        Schedule.objects.filter(name__in=["petitions.sweep", "petitions.office_sweep"]).update(
            minutes=settings.PETITIONS_SWEEP_MINUTES
        )
        admin = self._administrator()
        if demo:
            self._demo_logins(admin)
            self._demo(admin)
            if created := load_report_demo(admin):
                self.stdout.write(f"已创建统计报表演示案件 {created} 件")
            self._print_logins()

    def _groups(self) -> None:
        access_admin = Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
        for role, name in ROLE_GROUP_NAMES.items():
            group, _ = Group.objects.get_or_create(name=name)
            perms = Permission.objects.filter(
                content_type__app_label="petitions", codename__in=ROLE_PERMISSIONS[role]
            )
            group.permissions.add(access_admin, *perms)
        # 系统管理员 edits the configuration; the detachment drafts the ownership plans (第八条).
        config = Permission.objects.filter(
            content_type__app_label="snippets",
            codename__in=[f"{a}_{m}" for m in CONFIG_MODELS for a in ("add", "change", "view")],
        )
        Group.objects.get(name=ROLE_GROUP_NAMES[Role.ADMINISTRATOR]).permissions.add(
            *config,
            *Permission.objects.filter(
                content_type__app_label="snippets",
                codename__in=[
                    "change_bureauleadership",
                    "change_bureauprofile",
                    "change_bureaurules",
                ],
            ),
        )
        # 系统管理员 also lift login locks (设置 › 登录锁定, site/security/login.py).
        Group.objects.get(name=ROLE_GROUP_NAMES[Role.ADMINISTRATOR]).permissions.add(
            *Permission.objects.filter(
                content_type__app_label="axes",
                codename__in=["view_accessattempt", "delete_accessattempt"],
            )
        )
        Group.objects.get(name=ROLE_GROUP_NAMES[Role.DETACHMENT]).permissions.add(
            *Permission.objects.filter(
                content_type__app_label="snippets",
                codename__in=["add_ownershipplan", "change_ownershipplan", "view_ownershipplan"],
            )
        )

    def _configuration(self) -> None:
        # 本局信息 and 本局办理选项 start from PETITIONS_BUREAU_NAME, PETITIONS_NUMBER_PREFIX and
        # PETITIONS_MOVE_NATURAL_DUE_OFF_HOLIDAYS once; the admin's values are kept afterwards.
        BureauProfile.load()
        BureauRules.load()
        for key, (title, body) in DEFAULT_TEMPLATES.items():
            MessageTemplate.objects.get_or_create(key=key, defaults={"title": title, "body": body})
        if not ReferralGuideEntry.objects.exists():
            for order, (matter, keywords, agency, contact, basis) in enumerate(REFERRAL_GUIDE):
                ReferralGuideEntry.objects.create(
                    matter=matter,
                    keywords=keywords,
                    agency=agency,
                    contact=contact,
                    legal_basis=basis,
                    confirmed=False,
                    sort_order=order,
                )
        if not ResponsibilityRule.objects.exists():
            departments = {d.code: d for d in Department.objects.all()}
            categories = {c.code: c for c in Category.objects.all()}
            for order, (kind, category, keywords, department) in enumerate(RESPONSIBILITY):
                ResponsibilityRule.objects.create(
                    kind=kind,
                    category=categories.get(category),
                    keywords=keywords,
                    department=departments[department],
                    sort_order=order,
                    note="入门数据，请按本局《信访职责分工方案》修改",
                )

    def _administrator(self):
        User = get_user_model()
        username = os.environ.get("PETITIONS_ADMIN_USERNAME", "admin")
        user = User.objects.filter(username=username).first()
        if user is None:
            password = os.environ.get("PETITIONS_ADMIN_PASSWORD")
            if not password:
                password = secrets.token_urlsafe(12)
                path = settings.VAR_DIR / "initial_admin_password"
                path.write_text(password + "\n")
                path.chmod(0o600)
            user = User.objects.create_superuser(username, "", password)
            user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[Role.ADMINISTRATOR]))
            self.stdout.write(f"已创建管理员 {username}")
        return user

    def _demo_logins(self, admin) -> None:
        """One login per role for the demo (DEMO_LOGINS), with the administrator's password; the
        air department's head, supervising leader and handler; the bureau's leaders."""
        User = get_user_model()
        password = demo_password()
        people = {}
        for role, username, family, given in DEMO_LOGINS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password) if password else user.set_unusable_password()
            user.last_name, user.first_name = family, given
            user.save()
            user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
            people[role] = user
        if not (admin.last_name or admin.first_name):
            admin.last_name, admin.first_name = DEMO_ADMIN_NAME
            admin.save(update_fields=["last_name", "first_name"])
        air = Department.objects.get(code="air")
        air.head = people[Role.DEPARTMENT_HEAD]
        air.supervising_leader = people[Role.SUPERVISING_LEADER]
        air.save()
        air.staff.add(people[Role.HANDLER], people[Role.DEPARTMENT_HEAD])
        leadership = BureauLeadership.load()
        leadership.bureau_head = leadership.bureau_head or people[Role.BUREAU_HEAD]
        leadership.petition_leader = leadership.petition_leader or people[Role.SUPERVISING_LEADER]
        leadership.save()
        leadership.members.add(people[Role.BUREAU_HEAD], people[Role.SUPERVISING_LEADER])

    def _print_logins(self) -> None:
        """Every login of a role group, by role, as bin/run --demo shows them."""
        self.stdout.write("演示账号（密码与管理员相同）：")
        for group_name in ROLE_GROUP_NAMES.values():
            users = (
                get_user_model()
                .objects.filter(groups__name=group_name, is_active=True)
                .order_by("username")
            )
            for user in users:
                self.stdout.write(f"  {group_name:<8}\t{user.username:<18}\t{display_name(user)}")

    def _demo(self, admin) -> None:
        if Case.objects.filter(description__startswith=DEMO_MARK).exists():
            return
        today = timezone.localdate()
        channels = {c.code: c for c in Channel.objects.all()}
        categories = list(Category.objects.order_by("sort_order"))
        departments = list(Department.objects.order_by("sort_order"))

        def days_ago(n: int) -> dt.date:
            return today - dt.timedelta(days=n)

        def new_case(i: int, received_days_ago: int, channel: str = "phone", **extra) -> Case:
            received = timezone.make_aware(
                dt.datetime.combine(days_ago(received_days_ago), dt.time(9, 30))
            )
            filing = Filing(
                channel=channels[channel],
                received_at=received,
                place=f"九龙坡区某街道{i}号附近",
                reported_party=f"某化工有限公司{i}",
                description=f"{DEMO_MARK}夜间有刺鼻气味，持续数小时（第{i}件）。",
                demands="请查处并答复。",
                petitioners=[PetitionerData(name=f"张{i}", phone=f"1380000{i:04d}")],
                categories=[categories[i % len(categories)]],
                source_ticket_number=f"DEMO-{i:04d}" if channel != "phone" else "",
                **extra,
            )
            return file_case(filing, user=admin)

        air = Department.objects.get(code="air")
        head, leader = air.head, air.supervising_leader

        def step(case, name, **data):
            if name in {"reply", "reply_review", "reply_re_review"}:
                # 第六条: verified first; 第十七条: drafted, approved by the department head,
                # then by the leader.
                perform_transition(
                    case,
                    "record_verification",
                    user=admin,
                    data=demo_verification(case, data["replied_on"]),
                )
                perform_transition(
                    case,
                    "draft_reply",
                    user=admin,
                    data={"reply_text": data.pop("reply_text"), "method": data.pop("method")},
                )
                perform_transition(case, "approve_reply_head", user=head, data={})
                perform_transition(case, "approve_reply_leader", user=leader, data={})
            return perform_transition(case, name, user=admin, data=data)

        def registered(case):
            return step(case, "register", kind="pollution", categories=list(case.categories.all()))

        def dispatched(case, accepted_days_ago):
            case = step(
                registered(case),
                "accept",
                accepted_on=days_ago(accepted_days_ago),
                notice_method="phone",
            )
            return step(
                case,
                "dispatch",
                host_department=departments[2],
                co_departments=[],
                basis="responsibility_table",
            )

        def replied(case, accepted_days_ago, replied_days_ago):
            return step(
                dispatched(case, accepted_days_ago),
                "reply",
                reply_text="经现场核查……",
                replied_on=days_ago(replied_days_ago),
                received_on=days_ago(replied_days_ago),
                method="letter",
            )

        new_case(1, 0)
        registered(new_case(2, 1))
        step(registered(new_case(3, 2)), "accept", accepted_on=days_ago(1), notice_method="phone")
        step(
            registered(new_case(4, 3)),
            "decline",
            reason_kind="statutory_route",
            reason="属于民事赔偿纠纷。",
            legal_route="向九龙坡区人民法院提起民事诉讼。",
        )
        step(
            registered(new_case(5, 3)),
            "refer",
            competent_agency="九龙坡区城市管理局",
            agency_contact="12319",
            guidance="露天烧烤油烟由城市管理部门负责。",
        )
        step(
            registered(new_case(6, 2, "hotline_12345")),
            "object",
            objection_reasons="反映的是社会生活噪声，由公安机关管辖。",
        )
        case = step(
            registered(new_case(7, 6, "hotline_12345")),
            "object",
            objection_reasons="反映的是建筑施工扬尘，由住建部门管辖。",
        )
        step(case, "return_materials", approval="12345热线同意异议", returned_on=days_ago(1))
        dispatched(new_case(8, 10), 9)
        replied(new_case(9, 20), 19, 5)
        step(
            replied(new_case(10, 40), 39, 20),
            "request_review",
            requested_on=days_ago(2),
            request="对答复不满意。",
        )

        def reviewed(case, requested_ago, replied_ago):
            """A replied case through a review request and its opinion."""
            case = step(
                case,
                "request_review",
                requested_on=days_ago(requested_ago),
                request="对答复不满意。",
            )
            return step(
                case,
                "reply_review",
                reply_text="复查意见：维持。",
                replied_on=days_ago(replied_ago),
                received_on=days_ago(replied_ago),
                method="letter",
                outcome="upheld",
            )

        reviewed(replied(new_case(11, 80), 79, 60), 50, 20)
        case = reviewed(replied(new_case(12, 90), 89, 70), 60, 20)
        step(case, "request_re_review", requested_on=days_ago(5), request="请求复核。")
        case = reviewed(replied(new_case(13, 150), 149, 130), 120, 100)
        case = step(case, "request_re_review", requested_on=days_ago(80), request="请求复核。")
        step(
            case,
            "reply_re_review",
            reply_text="复核意见：撤销原复查意见，重新办理。",
            replied_on=days_ago(60),
            received_on=days_ago(60),
            method="letter",
            outcome="set_aside",
        )
        step(replied(new_case(14, 100), 99, 60), "close")
        case = step(replied(new_case(15, 120), 119, 80), "close")
        step(case, "archive", archive_number="JLP-XF-2026-001", retention_period="10y")
        step(new_case(16, 1), "void", reason="重复录入。")
        self.stdout.write(
            f"已创建演示案件 {Case.objects.filter(description__startswith=DEMO_MARK).count()} 件"
        )
