"""Issue 13 §3 in a real browser: every role walks the admin in Chinese and meets no English.

Each role of rules/roles.py logs in as a member of the Wagtail group the starter made for it
(``load_starter``: the real permissions), and so does the starter's superuser (the one who adds
staff under 设置 › 用户). The test reads the visible text of the dashboard, of the sidebar with
each of its submenus and the account menu opened, of the ledger, of a case page the role may see
and of every step form that page offers it (and the intake form, to those who file cases), then
of every page its menus link to; on the configuration's, the users' and the groups' lists it
also opens the add form. What is read: the rendered text (``innerText``: only what is
displayed, screen-reader text included), the page's title, and the placeholders and tooltips of
displayed elements.

No Latin word may appear but these (the allow-list, each with why):

- the data of the walk, which a clerk reads as data: case numbers and the bureau's number prefix
  (JLPXF); login names (the user list shows them beside the full name: they are what a person
  types to log in); the categories' codes (identifiers the administrator gives, used by imports
  and the API); and on the administrators' CMS screens the site's host name, the page types'
  model names and the pages' titles (Wagtail's first pages are "Root" and "Welcome to your new
  Wagtail site!", in the page tree and the site history);
- names of formats and encodings, as a clerk meets them on the buttons and in the hints: PDF,
  CSV, XLSX, Excel, JPEG, PNG, MB, GBK, UTF-8;
- "English", the English interface's own name in the language choice (an English speaker must
  find it), and "B", of B角 (the backup duty role, a Chinese term);
- proper names: "chinese-calendar" (the holiday data's source, named on the holiday calendar);
  "Wagtail" and its version, shown to administrators only, on the CMS screens.

A screenshot of the dashboard, each menu, the ledger, the case page and each step form, and of
any page where an English word was found, is written to tests/artifacts/lang-<role>-<nn>-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from factories import UserFactory, a_category, make_case, step
from wagtail.models import Page, PageLogEntry

from petitions.models import Case
from rules.roles import ROLE_GROUP_NAMES, Role
from snippets.models import BureauProfile, Category, Department

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "pw-123456"  # what the factories set

#: Latin words a Chinese clerk may meet (see the module's docstring for why each).
ALLOWED = {"PDF", "CSV", "XLSX", "Excel", "xlsx", "JPEG", "PNG", "MB", "GBK", "English", "B"}
ALLOWED_PHRASES = ("UTF-8", "chinese-calendar")
ADMIN_ONLY = re.compile(r"Wagtail( v?\d+(\.\d+)*)?")

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")

#: The visible text of the page: what is displayed, the title, and the placeholders and
#: tooltips of displayed elements.
VISIBLE_TEXT = """() => {
  const parts = [document.title, document.body.innerText];
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
      && getComputedStyle(el).visibility !== "hidden";
  for (const el of document.querySelectorAll("[placeholder], [title]")) {
    if (!shown(el)) continue;
    for (const attr of ["placeholder", "title"]) {
      const value = el.getAttribute(attr);
      if (value) parts.push(value);
    }
  }
  for (const el of document.querySelectorAll("input[type=submit], input[type=button]")) {
    if (shown(el)) parts.push(el.value);
  }
  return parts.join("\\n");
}"""

CONTENT_HEIGHT = """() => {
  const main = document.querySelector("main#main");
  const doc = document.documentElement.scrollHeight;
  if (!main) return doc;
  return Math.max(doc, Math.ceil(main.getBoundingClientRect().top + main.scrollHeight));
}"""

#: Each role's member: login, family name, given name (shown as 赵支队: family name first).
PEOPLE = {
    Role.DETACHMENT: ("zhidui", "赵", "支队"),
    Role.HANDLER: ("jingban", "孙", "经办"),
    Role.DEPARTMENT_HEAD: ("kezhang", "钱", "科长"),
    Role.SUPERVISING_LEADER: ("fenguan", "李", "分管"),
    Role.BUREAU_HEAD: ("juzhang", "周", "局长"),
    Role.OFFICE: ("bangong", "吴", "办公"),
    Role.DISCIPLINE: ("jijian", "郑", "纪检"),
    Role.DUTY: ("zhiban", "王", "值班"),
    Role.ADMINISTRATOR: ("guanli", "冯", "管理"),
}
SUPERUSER = "admin"  # made by load_starter (PETITIONS_ADMIN_USERNAME's default)

#: Lists whose add form the walk opens too.
LISTS_WITH_ADD_FORM = re.compile(r"^/admin/(snippets/\w+/\w+|users|groups)/$")


def english_words(text: str, data: set[str], allowed: set[str], admin: bool) -> list[str]:
    """The Latin words of `text` that are neither walk data nor allowed."""
    for value in sorted(data | set(ALLOWED_PHRASES), key=len, reverse=True):
        text = text.replace(value, " ")
    if admin:
        text = ADMIN_ONLY.sub(" ", text)
    return sorted({w for w in LATIN_WORD.findall(text) if w not in allowed})


class Walk:
    """One person's walk: visits pages and collects the English words met on each."""

    def __init__(self, page, base: str, who: str, data: set[str], admin: bool):
        self.page, self.base, self.who, self.data, self.admin = page, base, who, data, admin
        self.found: dict[str, list[str]] = {}
        self.shots = 0

    def read(self, where: str, shot: str | None = None) -> None:
        words = english_words(
            self.page.evaluate(VISIBLE_TEXT), self.data, ALLOWED, admin=self.admin
        )
        if words:
            self.found[where] = words
        if shot or words:
            self.shots += 1
            name = re.sub(r"[^a-z0-9]+", "-", shot or where).strip("-")
            path = ARTIFACTS / f"lang-{self.who}-{self.shots:02d}-{name}.png"
            # The admin scrolls inside <main>: the viewport is stretched to the content.
            viewport = self.page.viewport_size
            height = self.page.evaluate(CONTENT_HEIGHT)
            if height > viewport["height"]:
                self.page.set_viewport_size({"width": viewport["width"], "height": height})
            try:
                self.page.screenshot(path=str(path), full_page=True, animations="disabled")
            finally:
                self.page.set_viewport_size(viewport)

    def visit(self, path: str, shot: str | None = None) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, (self.who, path, response)
        self.read(path, shot)

    def login(self, username: str) -> None:
        self.visit("/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{self.base}/admin/")

    def sidebar_links(self) -> list[str]:
        return self.page.locator("#wagtail-sidebar a[href^='/admin/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )

    def menus(self) -> list[str]:
        """Opens each submenu of the sidebar and the account menu; returns the menus' links."""
        page = self.page
        links = self.sidebar_links()
        toggles = page.locator(
            "#wagtail-sidebar nav button[aria-expanded]:visible,"
            " #wagtail-sidebar .sidebar-footer__account:visible"
        )
        for i in range(toggles.count()):
            toggle = toggles.nth(i)
            toggle.click()
            page.wait_for_timeout(400)  # the flyout's slide
            self.read(f"menu {toggle.inner_text().strip()}", shot=f"menu-{i}")
            links += self.sidebar_links()
            page.keyboard.press("Escape")
            page.wait_for_timeout(200)
        return [link for link in dict.fromkeys(links) if not link.startswith("/admin/logout")]


def case_in_every_scope(people: dict, department: Department) -> Case:
    """A case each role sees: registered by the duty officer, dispatched to the department."""
    zhidui = people[Role.DETACHMENT]
    today = dt.date.today()
    case = make_case(received_on=today, user=people[Role.DUTY])
    case = step(case, "register", zhidui, kind="pollution", categories=[a_category()])
    case = step(case, "accept", zhidui, accepted_on=today, notice_method="phone")
    return step(
        case,
        "dispatch",
        zhidui,
        host_department=department,
        basis="responsibility_table",
        handler=people[Role.HANDLER],
    )


def walk(page, base: str, who: str, username: str, case: Case, data: set[str], admin: bool):
    """Dashboard, menus, ledger, the case page and its step forms, then every menu link."""
    w = Walk(page, base, who, data, admin)
    w.login(username)
    w.read("/admin/", shot="dashboard")
    links = w.menus()
    w.visit("/admin/cases/", shot="ledger")
    if page.locator("a[href='/admin/cases/new/']").count():
        w.visit("/admin/cases/new/", shot="intake")  # “新建：信访案件”
    w.visit(f"/admin/cases/inspect/{case.pk}/", shot="case")
    steps = page.locator("a[data-step]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for i, href in enumerate(steps):
        w.visit(href, shot=f"step-{i}")
    for href in links:
        w.visit(href)
        if LISTS_WITH_ADD_FORM.match(href):
            add = f"{href}{'add' if href.startswith('/admin/snippets/') else 'new'}/"
            w.visit(add, shot=add)
    return w


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_issue13_every_role_walks_the_admin_in_chinese(live_server, browser, monkeypatch):
    for old in ARTIFACTS.glob("lang-*.png"):
        old.unlink()  # the screenshots are this run's
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", PASSWORD)
    call_command("load_starter", verbosity=0)
    people = {
        role: UserFactory(username=u, last_name=family, first_name=given, roles=[role])
        for role, (u, family, given) in PEOPLE.items()
    }
    get_user_model().objects.filter(username=SUPERUSER).update(
        last_name="陈", first_name="局管理员"
    )
    department = Department.objects.order_by("sort_order").first()
    department.head = people[Role.DEPARTMENT_HEAD]
    department.supervising_leader = people[Role.SUPERVISING_LEADER]
    department.save()
    department.staff.add(people[Role.HANDLER])
    case = case_in_every_scope(people, department)
    data = {u for u, _family, _given in PEOPLE.values()} | {SUPERUSER, case.number, "localhost"}
    data |= set(Category.objects.values_list("code", flat=True))
    data |= set(Page.objects.values_list("title", flat=True)) | {BureauProfile.load().number_prefix}
    data |= set(PageLogEntry.objects.values_list("label", flat=True))  # pages since renamed
    data |= {f"{ct.app_label}.{ct.model}" for ct in {p.content_type for p in Page.objects.all()}}

    walkers = [
        (role.value, PEOPLE[role][0], role == Role.ADMINISTRATOR) for role in ROLE_GROUP_NAMES
    ]
    walkers.append(("superuser", SUPERUSER, True))
    found = {}
    for who, username, admin in walkers:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        try:
            w = walk(context.new_page(), live_server.url, who, username, case, data, admin)
        finally:
            context.close()
        found.update({f"{who} {where}": words for where, words in w.found.items()})
    assert not found, "\n".join(
        f"{where}: {' '.join(words[:40])}" for where, words in found.items()
    )
