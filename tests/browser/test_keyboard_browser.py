"""X.1 with the keyboard alone (WCAG 2.1.1, 2.4.7): a resident files a petition and looks it
up without touching the mouse, and sees where the focus is at every step.

Only keys: Tab and Shift+Tab to move, Space to tick, Enter to follow a link or send a form,
the arrow keys in the drop-down, and typing into the fields. Each step's screenshot (what is on
screen, as the resident sees it) is saved under tests/artifacts/keyboard-*.png.
"""

import io
import re

import pytest
from a11y import ARTIFACTS, DESKTOP, assert_focus_visible
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from petitions.models import Case


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


class Keyboard:
    """Moves through a page with the keyboard, checking the focus ring at every stop."""

    def __init__(self, page):
        self.page = page
        self.shots = 0

    def press(self, key: str, where: str) -> None:
        self.page.keyboard.press(key)
        assert_focus_visible(self.page, f"{where} ({key})")

    def tab_to(self, selector: str, where: str, *, back: bool = False, limit: int = 60) -> None:
        """Tab (or Shift+Tab) until the element matching `selector` has focus; the ring must
        show at every stop on the way."""
        key = "Shift+Tab" if back else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                assert_focus_visible(self.page, where)
                return
            assert_focus_visible(self.page, f"on the way to {where}")
        raise AssertionError(f"{key} never reached {selector} ({where})")

    def follow(self, key: str = "Enter") -> None:
        """A key that loads another page (a link, a form sent)."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def shot(self, name: str) -> None:
        self.shots += 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=str(ARTIFACTS / f"keyboard-{self.shots:02d}-{name}.png"), animations="disabled"
        )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_x_1_keyboard_only_file_a_petition_and_look_it_up_with_the_focus_always_visible(
    live_server, browser, monkeypatch
):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "keyboard-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    keys = Keyboard(page)
    try:
        page.goto(f"{base}/")
        # The first Tab shows the skip link; the next stops are the header's.
        keys.tab_to("a.skip", "skip link")
        expect(page.locator("a.skip")).to_be_in_viewport()
        keys.shot("skip-link")
        keys.tab_to("nav a[href='/xinfang/file/']", "我要信访 in the menu")
        keys.shot("menu-file")
        keys.follow("Enter")
        page.wait_for_url(f"{base}/xinfang/file/")
        expect(page.get_by_role("heading", level=1)).to_have_text("网上信访")

        # What happened, where, with a category ticked.
        keys.tab_to("#id_kind", "kind")
        keys.press("ArrowDown", "kind")
        expect(page.locator("#id_kind")).to_have_value("pollution")
        keys.shot("kind")
        keys.tab_to("#id_categories_0", "category 大气")
        keys.press("Space", "category 大气")
        expect(page.locator("#id_categories_0")).to_be_checked()
        keys.shot("category")
        keys.tab_to("#id_place", "place")
        keys.type("九龙坡区杨家坪正街8号")
        keys.tab_to("#id_description", "description")
        keys.type("每天夜里十点以后有刺鼻的溶剂味，持续两三个小时。")
        keys.shot("description")
        # Back up with Shift+Tab to check the place, then on again.
        keys.tab_to("#id_place", "place, again", back=True)
        expect(page.locator("#id_place")).to_have_value("九龙坡区杨家坪正街8号")
        keys.shot("back-to-place")

        # Name and phone (marked required); the consent box left unticked by mistake.
        keys.tab_to("#id_name", "name")
        keys.type("李四")
        keys.tab_to("#id_phone", "phone")
        keys.type("13912345678")
        keys.shot("phone")
        keys.tab_to("#submit-filing", "submit")
        keys.shot("submit")
        keys.follow("Enter")

        # Refused: the summary has the focus; its link leads to the box, with its label in view.
        expect(page.locator("#error-summary")).to_be_focused()
        assert_focus_visible(page, "error summary")
        keys.shot("error-summary")
        keys.tab_to("#error-summary a[href='#id_privacy_consent']", "the summary's link")
        keys.press("Enter", "consent box from the summary")
        expect(page.locator("#id_privacy_consent")).to_be_focused()
        expect(page.locator("label[for=id_privacy_consent]")).to_be_in_viewport()
        keys.shot("consent-from-summary")
        keys.press("Space", "consent box")
        expect(page.locator("#id_privacy_consent")).to_be_checked()
        keys.tab_to("#submit-filing", "submit, again")
        keys.follow("Enter")

        # The receipt: number and query code.
        # (The address keeps the #fragment of the summary's link: a redirect carries it over.)
        page.wait_for_url(re.compile(r".*/xinfang/receipt/[^/#]+/(#.*)?$"))
        case = Case.objects.get()
        expect(page.locator("dd.code").first).to_have_text(case.number)
        code = page.locator("dd.code").nth(1).inner_text().strip()
        assert case.petitioners.get().name == "李四"
        keys.tab_to("main a[href='/xinfang/status/']", "查询办理情况 on the receipt")
        keys.shot("receipt")
        keys.follow("Enter")
        page.wait_for_url(f"{base}/xinfang/status/")

        # The lookup, sent with Enter from the code field.
        keys.tab_to("#id_number", "number")
        keys.type(case.number)
        keys.tab_to("#id_code", "query code")
        keys.type(code)
        keys.shot("lookup")
        keys.follow("Enter")
        expect(page.locator("#result-heading")).to_contain_text(case.number)
        expect(page.locator("dl.facts dd").first).to_have_text(case.state_label)
        keys.tab_to("#id_number", "number, after the lookup")
        keys.shot("status")
    finally:
        context.close()
