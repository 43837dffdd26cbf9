"""The public website's starter pages (idempotent): 首页, 办事指南 and 转办指引.

The words come from the bureau's regulation (its 环境信访工作管理办法, 第十四条 to 第二十条),
with the bureau's name and the regulation's title from 本局信息; the bureau edits them afterwards
in the Wagtail admin. Pages that exist are never overwritten, whatever they now say.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils.html import escape
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import GroupPagePermission, Locale, Page, Site

from petition_site.public.models import GuidancePage, HomePage, ReferralGuidePage
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.bureau import Bureau, bureau_profile


def home_intro(bureau: Bureau) -> list[dict]:
    return [
        {
            "type": "paragraph",
            "value": (
                f"<p>{escape(bureau.name)}受理环境污染扰民投诉，受理对环境违法行为的检举、揭发、控告，"
                "以及对本局和本局工作人员的批评、建议和对本局业务工作的咨询。</p>"
                "<p>网上信访无需注册。提交后您会得到信访事项编号和查询码，凭编号和查询码可以随时查询办理进度。</p>"
            ),
        },
        {
            "type": "notice",
            "value": "<p>信访事项同时涉及生态环境部门和其他部门职能的，本局先行受理，不会一推了之。</p>",
        },
    ]


def guidance_body(bureau: Bureau) -> list[dict]:
    return [
        {"type": "heading", "value": "受理范围"},
        {
            "type": "paragraph",
            "value": (
                f"<p>依照{escape(bureau.regulation)}第十四条，本局受理下列环境信访事项：</p>"
                "<ol>"
                "<li>通过信息网络、书信、电话、传真、走访等形式反映环境污染扰民的问题；</li>"
                "<li>上级交办（如“12345”市民热线、“互联网+督查”平台、政府信箱、市长公开电话等）的环境信访案件；</li>"
                "<li>检举、揭发、控告相关单位和个人违反环境保护法律、法规和规章的规定，污染或破坏环境的行为；</li>"
                "<li>对本局或本局工作人员提出的批评、建议；</li>"
                "<li>对本局业务工作的咨询、建议。</li>"
                "</ol>"
                "<p>信访事项同时涉及生态环境部门和其他部门职能的，本局先行受理。</p>"
            ),
        },
        {"type": "heading", "value": "办理步骤"},
        {
            "type": "steps",
            "value": [
                "在网上填写信访事项，提交后得到信访事项编号和查询码。请保存好查询码，它只显示一次。",
                "本局登记、编号，决定是否受理，并告知您受理情况（第十三条、第十五条）。",
                "受理后交承办科室调查处理，答复内容经科室负责人和分管领导审核后书面答复您（第十六条、第十七条）。",
                "对答复有异议的，可以自收到书面答复之日起30日内请求复查；对复查意见不服的，可以自收到之日起30日内请求复核（第十九条）。",
                "收到答复后30日内未提出异议的，视为办结（第二十条）。",
            ],
        },
        {"type": "heading", "value": "不予受理的事项及反映途径"},
        {
            "type": "elsewhere",
            "value": [
                {
                    "matter": "与生态环境保护有关、但不属于本局职能的事项",
                    "where": "请按“转办指引”向有权处理的机关反映；本局收到后也会告诉您向哪个机关反映。",
                },
                {
                    "matter": "依法应当通过诉讼、仲裁、行政复议等法定途径解决的投诉请求",
                    "where": "请向人民法院、仲裁机构或行政复议机关提出；本局会告诉您相应的途径。",
                },
                {
                    "matter": "已经受理或者正在办理的同一信访事项",
                    "where": "请凭信访事项编号和查询码查询办理进度，无需重复反映。",
                },
                {
                    "matter": "对复核意见不服，仍以同一事实和理由提出的投诉",
                    "where": "本局不再受理（第十九条）。",
                },
            ],
        },
    ]


REFERRAL_INTRO = (
    "<p>下列事项与生态环境有关，但由其他机关负责处理，请直接向其反映"
    "（参照重庆市生态环境保护综合行政执法总队《环境污染投诉受理指南》）。"
    "不确定时也可以直接向本局信访，本局会告诉您向哪个机关反映。</p>"
)

#: What the 系统管理员 group may do with the public pages (Wagtail page permissions).
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


def _pristine_welcome_page(root: Page) -> Page | None:
    """Wagtail's own "Welcome to your new Wagtail site!" page, if no one has touched it."""
    for page in root.get_children():
        if page.specific_class is Page and page.slug == "home" and page.numchild == 0:
            return page
    return None


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def ensure_public_pages() -> HomePage:
    """Create whichever public pages are missing and make the home page the default site's root.

    Run it as often as you like: a page of each type is created once, edits are kept.
    """
    bureau = bureau_profile()
    root = Page.get_first_root_node()
    if root is None:
        # Wagtail's migration makes the tree root; a flushed database (a fresh install restored
        # without it, or a test database between transactional tests) has none.
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        # Page 1, as Wagtail's migration makes it: the admin's page explorer takes page 1 for
        # the root (any other start page it fetches from the admin API, which never serves the
        # root). A flushed table keeps its id sequence where it had got to: it starts again.
        if not Page.objects.exists():
            table = {"table": Page._meta.db_table, "column": "id"}
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_by_name_sql(no_style(), [table]):
                    cursor.execute(sql)
        root = Page.add_root(title="Root", slug="root")
    site = Site.objects.filter(is_default_site=True).first()
    home = HomePage.objects.first()
    if home is None:
        welcome = _pristine_welcome_page(root)
        if welcome is not None:
            # Wagtail's placeholder goes (as in Wagtail's own project template); the site keeps
            # its host name while it briefly points at the tree root.
            if site is not None and site.root_page_id == welcome.pk:
                site.root_page = root
                site.save(update_fields=["root_page"])
            welcome.delete()
        slug = "home" if not root.get_children().filter(slug="home").exists() else "xinfang"
        home = _publish(
            root,
            HomePage(title=f"{bureau.short}环境信访", slug=slug, intro=home_intro(bureau)),
        )
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                site_name=settings.WAGTAIL_SITE_NAME,
                root_page=home,
                is_default_site=True,
            )
        else:
            site.root_page = home
            site.save(update_fields=["root_page"])
    if not GuidancePage.objects.exists():
        _publish(home, GuidancePage(title="办事指南", slug="guide", body=guidance_body(bureau)))
    if not ReferralGuidePage.objects.exists():
        _publish(
            home, ReferralGuidePage(title="转办指引", slug="referral-guide", intro=REFERRAL_INTRO)
        )
    _grant_page_permissions(home)
    return home


def _grant_page_permissions(home: HomePage) -> None:
    """系统管理员 edit and publish the public pages (inherited by every page under home)."""
    group = Group.objects.filter(name=ROLE_GROUP_NAMES[Role.ADMINISTRATOR]).first()
    if group is None:
        return
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
