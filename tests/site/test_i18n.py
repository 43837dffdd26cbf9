"""X.4: Chinese by default, English on request; the English catalogue covers every string."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import trans_real
from factories import detachment_user, receipt_code, website_channel
from freezegun import freeze_time
from wagtail.users.models import UserProfile

from petition_site.management.commands.makemessages import EXTRA_KEYWORDS
from petitions.intake.filing import new_submission_token
from petitions.models import Case
from petitions.transfer.views import ImportUploadForm
from rules.deadlines import DEFAULT_RULES

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"
BROWSER_SAYS_ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
ZH_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
#: Chinese characters and full-width punctuation (（）：，。), which an English text never needs.
CHINESE = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
#: As in bin/i18n: where makemessages does not look.
NOT_SCANNED = (".venv", "var", "tests", "bench", "docs", "*.egg-info", "locale")


def switcher(html: str) -> dict:
    """The language switcher form: its action, CSRF token, hidden "next" and offered languages."""
    form = re.search(
        r'<form class="language[^"]*" action="([^"]+)" method="post"(.*?)</form>', html, re.S
    )
    assert form, "no language switcher on the page"
    body = form.group(2)
    return {
        "action": form.group(1),
        "csrf": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1),
        "next": re.search(r'name="next" value="([^"]*)"', body).group(1),
        "offered": dict(
            re.findall(
                r'<button type="submit" name="language" value="([^"]+)"[^>]*>([^<]+)</button>', body
            )
        ),
    }


def csrf_of_filing_form(html: str) -> str:
    form = re.search(r'<form[^>]*id="filing-form"[^>]*>(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def choose(client: Client, page: str, language: str):
    """Press the switcher's button for `language` on `page`, as a visitor would."""
    form = switcher(client.get(page).content.decode())
    return client.post(
        form["action"],
        {"csrfmiddlewaretoken": form["csrf"], "language": language, "next": form["next"]},
    )


def test_x_4_public_site_is_chinese_by_default(client):
    response = client.get(FILE_URL, **BROWSER_SAYS_ENGLISH)
    page = response.content.decode()
    assert '<html lang="zh-hans"' in page
    assert response["Content-Language"] == "zh-hans"
    assert "信访事项类型" in page and "我要信访" in page
    assert "Type of petition matter" not in page and "File a petition" not in page
    # English is offered under its own name, for a visitor who cannot read the Chinese page.
    assert switcher(page)["offered"] == {"en": "English"}

    # A language the site does not have (an old or forged cookie) also gives Chinese.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="zh-hans"' in client.get(FILE_URL, **BROWSER_SAYS_ENGLISH).content.decode()


def test_x_4_visitor_switches_to_english_and_sees_english_labels_on_the_filing_form():
    visitor = Client(enforce_csrf_checks=True)  # the switcher must be a real form with its token

    response = choose(visitor, FILE_URL, "en")
    assert response.status_code == 302 and response["Location"] == FILE_URL

    page = visitor.get(FILE_URL).content.decode()
    assert '<html lang="en"' in page
    assert "Type of petition matter" in page and "Where the problem occurs" in page
    assert "File a petition" in page  # the site's navigation too
    assert "信访事项类型" not in page and "问题发生地点" not in page
    assert switcher(page)["offered"] == {"zh-hans": "简体中文"}

    response = visitor.post(FILE_URL, {"csrfmiddlewaretoken": csrf_of_filing_form(page)})
    page = response.content.decode()
    assert "Please correct the following and submit again" in page
    assert "Please enter your name (not needed for an anonymous report)." in page
    assert "Please fill in “Where the problem occurs”." in page
    # Nothing on the page is left in Chinese but the way back to it.
    assert set(re.findall(r"[\u4e00-\u9fff]+", page)) == {"简体中文"}
    assert "请修改以下问题后再提交" not in page and "请填写您的姓名" not in page
    assert not Case.objects.exists()

    # And back: the Chinese button returns the Chinese site.
    choose(visitor, FILE_URL, "zh-hans")
    page = visitor.get(FILE_URL).content.decode()
    assert '<html lang="zh-hans"' in page and "信访事项类型" in page


def test_x_4_staff_who_prefer_english_get_the_english_admin(client):
    staff = detachment_user()
    client.force_login(staff)
    page = client.get("/admin/cases/", **BROWSER_SAYS_ENGLISH).content.decode()
    assert "<title>信访案件" in page and "待登记" in page and "Awaiting registration" not in page

    account = client.get("/admin/account/").content.decode()
    assert re.search(r'<option value="en"[^>]*>English</option>', account)
    assert re.search(r'<option value="zh-hans"[^>]*>简体中文</option>', account)

    profile = UserProfile.get_for_user(staff)
    profile.preferred_language = "en"
    profile.save()
    page = client.get("/admin/cases/").content.decode()
    assert '<html lang="en"' in page
    assert "<title>Petition cases" in page and "Awaiting registration" in page
    assert "信访案件" not in page and "待登记" not in page


def test_x_4_a_petition_filed_in_english_is_recorded_in_chinese():
    """The visitor's language changes what they see, not the bureau's records."""
    website_channel()
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = visitor.post(
        FILE_URL,
        {
            "kind": "pollution",
            "place": "九龙坡区杨家坪正街8号",
            "description": "餐馆油烟每天晚上直排。",
            "name": "李四",
            "phone": "13912345678",
            "privacy_consent": "on",
            "submission_token": new_submission_token(),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    deadline = case.deadlines.get(rule="acceptance_direct")
    assert deadline.label == case.next_due_label == "受理告知（直接信访）"


@freeze_time("2026-03-02 09:00:00+08:00")
def test_x_4_english_status_page_shows_english_dates_and_deadline_labels():
    """Dates and the rules' names follow the visitor's language; the records stay Chinese."""
    cache.clear()  # the status lookups are counted per address
    website_channel()
    visitor = Client()
    choose(visitor, FILE_URL, "en")
    token = new_submission_token()
    page = visitor.get(FILE_URL).content.decode()
    assert 'Where the problem occurs <span class="required">(required)</span>' in page
    assert "（" not in page and "required）" not in page
    response = visitor.post(
        FILE_URL,
        {
            "kind": "pollution",
            "place": "九龙坡区杨家坪正街8号",
            "description": "餐馆油烟每天晚上直排。",
            "name": "李四",
            "phone": "13912345678",
            "privacy_consent": "on",
            "submission_token": token,
        },
    )
    receipt = visitor.get(response["Location"]).content.decode()
    assert "March 2, 2026" in receipt and "March 5, 2026" in receipt
    case = Case.objects.get()
    code = receipt_code(visitor, token)

    page = visitor.post("/xinfang/status/", {"number": case.number, "code": code}).content.decode()
    assert '<html lang="en"' in page
    facts = re.search(r'<dl class="facts">(.*?)</dl>', page, re.S).group(1)
    assert re.search(r"<dt>Date received</dt><dd>March 2, 2026</dd>", facts), facts
    assert "<dt>Notice of acceptance (direct petitions)</dt>" in facts
    assert "by March 5, 2026" in facts
    assert "年" not in facts and "受理告知" not in facts
    # The record itself keeps the bureau's language.
    assert case.deadlines.get(rule="acceptance_direct").label == "受理告知（直接信访）"

    # The same lookup in Chinese is unchanged.
    choose(visitor, FILE_URL, "zh-hans")
    page = visitor.post("/xinfang/status/", {"number": case.number, "code": code}).content.decode()
    assert "<dd>2026年3月2日</dd>" in page and "<dt>受理告知（直接信访）</dt>" in page
    assert "2026年3月5日 前" in page


def test_x_4_time_limits_read_as_one_sentence_in_either_language():
    rule = DEFAULT_RULES["acceptance_direct"]
    assert rule.describe() == "收到信访事项之日起3个工作日"
    assert DEFAULT_RULES["reply"].describe() == "受理之日起30日（自然日）"
    with translation.override("en"):
        assert rule.describe() == "3 working days from the day the petition matter was received"
        assert DEFAULT_RULES["reply"].describe() == (
            "30 days (calendar days) from the day of acceptance"
        )


def test_x_4_import_form_help_is_in_the_readers_language():
    """Translated when shown, not when the module was first imported."""
    field = ImportUploadForm.base_fields["file"]
    with translation.override("en"):
        english = str(field.help_text)
    with translation.override("zh-hans"):
        chinese = str(field.help_text)
    assert english.startswith("Excel (.xlsx) or CSV (UTF-8 or GBK encoded), up to ")
    assert not re.search(CHINESE, english) and chinese.startswith("Excel（.xlsx）或 CSV")


# --- the catalogue ---------------------------------------------------------------------------


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n] (unescaped), flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry or {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, value = line.split(" ", 1)
            entry[key] = ast.literal_eval(value)
    return entries


def translations(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [v for k, v in sorted(entry.items()) if k.startswith("msgstr[")]
    return [entry["msgstr"]]


def unfinished(entries: list[dict]) -> list[str]:
    return [
        e["msgid"]
        for e in entries
        if e["msgid"] and ("fuzzy" in e["flags"] or not all(translations(e)))
    ]


def test_x_4_catalogue_is_complete():
    entries = parse_po(PO)
    header = next(e for e in entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"] and "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    messages = [e for e in entries if e["msgid"]]
    assert len(messages) > 500
    assert unfinished(entries) == [], "run bin/i18n and translate these in django.po"

    for e in messages:
        for text in translations(e):
            # Placeholders survive translation: %(name)s for code, {案件编号} for template authors.
            assert set(re.findall(r"%\(\w+\)\w", text)) <= set(
                re.findall(r"%\(\w+\)\w", e["msgid"])
            )
            assert re.findall(r"\{[^{}]+\}", text) == re.findall(r"\{[^{}]+\}", e["msgid"])
            assert not re.search(CHINESE, re.sub(r"\{[^{}]+\}", "", text)), text

    # The committed .mo says the same as the .po (CI machines may have no msgfmt to compile it).
    with translation.override("en"):
        for e in messages:
            if "msgid_plural" in e:
                got = [translation.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
                assert got == translations(e), e["msgid"]
            else:
                assert translation.gettext(e["msgid"]) == e["msgstr"], (
                    f"{e['msgid']!r}: django.mo is stale, run bin/i18n"
                )


def english_msgids() -> set[str]:
    return {e["msgid"] for e in parse_po(PO)}


def test_the_chinese_catalogue_holds_every_msgid_as_its_own_translation():
    """Issue 14: our msgids are Chinese; without them in the zh-hans catalogue each lookup on the
    Chinese site missed and walked every catalogue Django and Wagtail hold (about 20). bin/i18n
    makes locale/zh_Hans from the English catalogue; this fails when the two disagree."""
    english = {e["msgid"]: e for e in parse_po(PO) if re.search(r"[\u4e00-\u9fff]", e["msgid"])}
    chinese = {e["msgid"]: e for e in parse_po(ZH_PO) if e["msgid"]}
    assert chinese.keys() == english.keys(), "run bin/i18n and commit locale/zh_Hans"
    for msgid, e in chinese.items():
        assert e.get("msgid_plural") == english[msgid].get("msgid_plural")
        if "msgid_plural" in e:
            assert translations(e) == [msgid, e["msgid_plural"]]
        else:
            assert translations(e) == [msgid]

    with translation.override("zh-hans"):
        # Found in the first catalogue Django looks in, and the .mo says what the .po says.
        first = trans_real.translation("zh-hans")._catalog._catalogs[0]
        for e in chinese.values():
            if "msgid_plural" in e:
                assert (e["msgid"], 0) in first
                got = [translation.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
                assert got == translations(e), e["msgid"]
            else:
                assert e["msgid"] in first, f"{e['msgid']!r}: django.mo is stale, run bin/i18n"
                assert translation.gettext(e["msgid"]) == e["msgid"]
        # An English msgid of Wagtail's that our copied admin templates use keeps its Chinese:
        # the identity catalogue holds only Chinese msgids.
        assert "Account" in english_msgids()
        assert translation.gettext("Account") == "帐号"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext")
def test_x_4_every_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch):
    """Runs makemessages on a copy of the catalogue: nothing in the code is left untranslated."""
    base = Path(settings.BASE_DIR)
    for item in base.iterdir():
        if not item.name.startswith(".") and not any(
            item.match(pattern) for pattern in NOT_SCANNED
        ):
            (tmp_path / item.name).symlink_to(item)
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[]):
        call_command(
            "makemessages",
            locale=["en"],
            symlinks=True,
            ignore_patterns=list(NOT_SCANNED),
            verbosity=0,
        )
    refreshed = parse_po(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert len(refreshed) > 500
    assert unfinished(refreshed) == [], "new strings in the code: run bin/i18n and translate them"


def test_x_4_every_gettext_alias_in_the_code_is_extracted():
    """xgettext only finds the names it is told about: an alias like _g needs EXTRA_KEYWORDS."""
    known = {"_", *EXTRA_KEYWORDS}
    unknown = []
    base = Path(settings.BASE_DIR)
    for top in ("petitions", "rules", "snippets", "site"):
        for path in (base / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    unknown += [
                        f"{path.relative_to(base)}: {a.name} as {a.asname}"
                        for a in node.names
                        if a.asname and "gettext" in a.name and a.asname not in known
                    ]
    assert unknown == []
