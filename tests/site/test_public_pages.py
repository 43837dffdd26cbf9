"""The public website's pages (X.1, A14.4): edited in Wagtail, rules rendered from code."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from factories import UserFactory, website_channel
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from petition_site.public.models import GuidancePage, HomePage, ReferralGuidePage
from petition_site.public.starter import ensure_public_pages
from rules.deadlines import DEFAULT_RULES
from rules.roles import Role
from snippets.models import ChannelDeadline, ReferralGuideEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def home() -> HomePage:
    return ensure_public_pages()


def test_x_1_home_page_served_at_root_and_editable(client, home):
    html = client.get("/").content.decode()
    assert "<h1>九龙坡区生态环境局环境信访</h1>" in html
    assert "凭编号和查询码可以随时查询办理进度" in html  # the starter introduction
    assert 'href="/xinfang/file/"' in html  # the fixed 我要信访 button
    assert 'href="/xinfang/status/"' in html
    assert "检举、揭发、控告环境违法行为" in html  # a kind the filing form accepts
    assert "上级交办环境信访案件" not in html  # not something the public files

    page = HomePage.objects.get(pk=home.pk)
    page.intro = [("paragraph", RichText("<p>本周六局长接待日，欢迎来访。</p>"))]
    page.save_revision().publish()

    html = client.get("/").content.decode()
    assert "本周六局长接待日，欢迎来访。" in html
    assert "凭编号和查询码可以随时查询办理进度" not in html
    # The old address still leads there.
    response = client.get("/xinfang/")
    assert (response.status_code, response["Location"]) == (302, "/")


def test_x_1_a_draft_is_not_public_until_published(client, home):
    page = HomePage.objects.get(pk=home.pk)
    page.intro = [("paragraph", RichText("<p>草稿内容</p>"))]
    page.save_revision()
    assert "草稿内容" not in client.get("/").content.decode()


def test_x_1_guidance_time_limits_come_from_the_rules(client, home):
    channel = website_channel()
    url = GuidancePage.objects.get().url
    html = client.get(url).content.decode()
    assert "受理范围" in html and "第十四条" in html  # the editable starter text
    assert str(DEFAULT_RULES["acceptance_direct"].label) in html
    assert DEFAULT_RULES["acceptance_direct"].describe() in html
    assert DEFAULT_RULES["reply"].describe() in html
    assert "受理之日起20日（自然日）" not in html

    ChannelDeadline.objects.create(channel=channel, rule="reply", length=20, unit="days")

    html = client.get(url).content.decode()
    assert "受理之日起20日（自然日）" in html
    assert DEFAULT_RULES["reply"].describe() not in html


def test_x_1_guidance_time_limits_cannot_be_edited_away(client, home):
    """An editor who empties the page's body still leaves the enforced limits on it."""
    website_channel()
    page = GuidancePage.objects.get()
    page.body = []
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "受理范围" not in html
    assert DEFAULT_RULES["acceptance_direct"].describe() in html


def test_a14_4_referral_guide_page_is_searchable(client, home):
    ReferralGuideEntry.objects.all().delete()
    ReferralGuideEntry.objects.create(
        matter="机动车尾气",
        keywords="尾气 冒黑烟",
        agency="区公安分局交巡警支队",
        sort_order=1,
        confirmed=True,
    )
    ReferralGuideEntry.objects.create(
        matter="露天烧烤",
        keywords="烧烤 油烟",
        agency="区城市管理局",
        contact="12319",
        sort_order=2,
        confirmed=True,
    )
    url = ReferralGuidePage.objects.get().url
    html = client.get(url).content.decode()
    assert "机动车尾气" in html and "露天烧烤" in html

    html = client.get(url, {"q": "烧烤"}).content.decode()
    assert "露天烧烤" in html and "12319" in html
    assert "机动车尾气" not in html
    assert 'value="烧烤"' in html  # the search box keeps what was typed

    # A sentence describing the problem finds the entry by its keywords.
    html = client.get(url, {"q": "路上货车冒黑烟很严重"}).content.decode()
    assert "机动车尾气" in html and "露天烧烤" not in html

    html = client.get(url, {"q": "核辐射"}).content.decode()
    assert "没有找到相关条目" in html
    assert "机动车尾气" not in html and "露天烧烤" not in html

    # The old 受理指南 address leads to the page.
    response = client.get("/xinfang/guide/")
    assert (response.status_code, response["Location"]) == (302, url)


def test_x_1_starter_creates_the_pages_once_and_keeps_edits(client):
    welcome = Site.objects.get(is_default_site=True).root_page
    assert welcome.title.startswith("Welcome")

    ensure_public_pages()
    count = Page.objects.count()
    home = HomePage.objects.get()
    home.title = "环境信访（已修改）"
    home.save_revision().publish()
    ensure_public_pages()

    assert Page.objects.count() == count
    assert [type(p) for p in home.get_children().specific()] == [GuidancePage, ReferralGuidePage]
    assert HomePage.objects.get().title == "环境信访（已修改）"
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert not Page.objects.filter(pk=welcome.pk).exists()  # Wagtail's placeholder replaced
    html = client.get("/").content.decode()
    assert "环境信访（已修改）" in html and "Welcome" not in html


@pytest.mark.django_db(transaction=True)
def test_x_1_a_flushed_database_gets_its_tree_root_back_as_page_1(client):
    """Wagtail's page explorer takes page 1 for the tree root (its sidebar script fetches any
    other start page from the admin API, which never serves the root: a 404, and a menu whose
    header links to /admin/pages/0/). A database flushed of its pages (restored without them, or
    a test database between transactional tests) keeps its id sequence: the root the starter
    makes again must still be page 1, and the pages after it must not collide with it."""
    ensure_public_pages()  # pages made, then flushed: the id sequence has moved on
    Site.objects.all().delete()
    Page.objects.all().delete()

    home = ensure_public_pages()

    assert Page.get_first_root_node().pk == 1
    assert home.pk > 1 and Page.objects.count() == 4  # root, home, guide, referral guide
    admin = get_user_model().objects.create_superuser("chief", "", "pw")
    client.force_login(admin)
    menu = client.get("/admin/pages/1/")
    assert menu.status_code == 200 and home.title in menu.content.decode()
    assert client.get(f"/admin/api/main/pages/{home.pk}/").status_code == 200


def test_x_1_load_starter_builds_the_site_and_the_nav(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_starter")
    call_command("load_starter")
    assert HomePage.objects.count() == GuidancePage.objects.count() == 1
    assert ReferralGuidePage.objects.count() == 1
    html = client.get("/xinfang/file/").content.decode()
    nav = html.split('<nav aria-label="主导航">')[1].split("</nav>")[0]
    for label, href in [
        ("首页", "/"),
        ("办事指南", "/guide/"),
        ("转办指引", "/referral-guide/"),
        ("我要信访", "/xinfang/file/"),
        ("进度查询", "/xinfang/status/"),
    ]:
        assert f'href="{href}"' in nav and label in nav
    assert 'aria-current="page">我要信访' in nav
    assert client.get("/guide/").status_code == client.get("/referral-guide/").status_code == 200


def test_x_1_an_administrator_can_open_the_page_editor(client, home):
    admin = get_user_model().objects.create_superuser("chief", "", "pw")
    client.force_login(admin)
    for page in [home, GuidancePage.objects.get(), ReferralGuidePage.objects.get()]:
        response = client.get(f"/admin/pages/{page.pk}/edit/")
        assert response.status_code == 200
        assert page.title in response.content.decode()


def test_x_1_the_administrator_group_may_edit_the_pages(client, tmp_path, settings):
    """系统管理员 who are not superusers edit and publish the pages (load_starter grants it)."""
    settings.VAR_DIR = tmp_path
    call_command("load_starter")
    editor = UserFactory(roles=[Role.ADMINISTRATOR])
    guidance = GuidancePage.objects.get()
    assert guidance.permissions_for_user(editor).can_publish()
    client.force_login(editor)
    assert client.get(f"/admin/pages/{guidance.pk}/edit/").status_code == 200
    clerk = UserFactory(roles=[Role.HANDLER])
    assert not guidance.permissions_for_user(clerk).can_edit()
