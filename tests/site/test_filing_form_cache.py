"""The empty filing form's page is rendered once and kept (issue 14): the page a visitor gets is
the same as rendered afresh, with their own tokens and nonce, and a change of the categories, the
bureau's name or the navigation shows at once."""

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from factories import a_category, website_channel
from test_public_filing import valid_post

from petition_site.public import views
from petitions.intake.filing import PublicFilingForm
from petitions.models import Case
from snippets.bureau import clear_cache as forget_bureau
from snippets.models import BureauProfile, Category

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"
TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|submission_token)" value=")[^"]+"')


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    views._EMPTY_FORM_FIELDS.clear()
    views._EMPTY_FORM_PAGES.clear()
    yield
    views._EMPTY_FORM_FIELDS.clear()
    views._EMPTY_FORM_PAGES.clear()


def form_of(page: str) -> str:
    return TOKENS.sub(r'\1…"', re.search(r"<form .*?</form>", page, re.S).group(0))


def test_x_1_the_kept_form_is_the_form_rendered_afresh_with_each_visitors_own_tokens(client):
    website_channel()
    a_category()
    first = client.get(FILE_URL).content.decode()
    second = client.get(FILE_URL).content.decode()
    assert len(views._EMPTY_FORM_FIELDS) == 1  # rendered once, used twice

    fresh = render_to_string(
        "public/file.html",
        {"form": PublicFilingForm(initial={"submission_token": "x" * 43}), "fields_html": None},
        request=RequestFactory().get(FILE_URL),
    )
    assert form_of(first) == form_of(second) == form_of(fresh)
    assert 'name="kind"' in first and 'name="website"' in first and "大气" in first

    def submission_token(page):
        return re.search(r'name="submission_token" value="([^"]+)"', page).group(1)

    assert submission_token(first) != submission_token(second)


def test_x_1_a_category_added_or_renamed_shows_on_the_form_at_once(client):
    website_channel()
    category = a_category()
    assert "大气" in client.get(FILE_URL).content.decode()
    Category.objects.create(name="土壤", code="soil", sort_order=9)
    assert "土壤" in client.get(FILE_URL).content.decode()
    category.name = "大气污染"
    category.save()
    assert "大气污染" in client.get(FILE_URL).content.decode()


def test_x_1_the_english_form_is_kept_apart_from_the_chinese(client, settings):
    website_channel()
    chinese = client.get(FILE_URL).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(FILE_URL).content.decode()
    assert "问题发生地点" in chinese and "问题发生地点" not in english
    assert len(views._EMPTY_FORM_FIELDS) == 2


#: What differs per response: the CSRF and submission tokens, the CSP nonce.
PER_RESPONSE = re.compile(
    r'((?:name="(?:csrfmiddlewaretoken|submission_token)" value=")|nonce=")[^"]*"'
)


def test_x_1_the_kept_page_is_the_page_rendered_afresh_with_each_visitors_own_tokens(client):
    website_channel()
    a_category()
    first, second = client.get(FILE_URL), client.get(FILE_URL)
    assert len(views._EMPTY_FORM_PAGES) == 1  # rendered once, used twice

    fresh = render_to_string(
        "public/file.html",
        {"form": PublicFilingForm(initial={"submission_token": "x" * 43}), "fields_html": None},
        request=RequestFactory().get(FILE_URL),
    )
    pages = [r.content.decode() for r in (first, second)]
    assert PER_RESPONSE.sub(r"\1…", pages[0]) == PER_RESPONSE.sub(r"\1…", fresh)
    assert PER_RESPONSE.sub(r"\1…", pages[1]) == PER_RESPONSE.sub(r"\1…", fresh)
    for response, page in zip((first, second), pages, strict=True):
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert re.findall(r'nonce="([^"]*)"', page) == [nonce]
    tokens = [re.findall(r'name="submission_token" value="([^"]+)"', p) for p in pages]
    assert len(tokens[0]) == len(tokens[1]) == 1 and tokens[0] != tokens[1]
    assert "{{" not in pages[0] and "per-visitor" not in pages[0]


def test_x_1_the_kept_page_takes_a_filing_with_the_csrf_check_on():
    """A browser that opens the kept page gets a CSRF cookie and a token the check accepts."""
    website_channel()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(FILE_URL).content.decode()
    browser.get(FILE_URL)  # the page comes from the kept copy now
    page = browser.get(FILE_URL).content.decode()
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    assert len(set(csrf)) == 1  # the language switch and the filing form: the same token
    response = browser.post(FILE_URL, {**valid_post(token), "csrfmiddlewaretoken": csrf[0]})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.count() == 1
    refused = Client(enforce_csrf_checks=True).post(FILE_URL, valid_post())
    assert refused.status_code == 403 and Case.objects.count() == 1


def test_x_1_the_bureaus_name_and_the_navigation_change_on_the_kept_page_at_once(client):
    website_channel()
    assert "九龙坡" in client.get(FILE_URL).content.decode()
    profile = BureauProfile.load()
    profile.name = "重庆市某某区生态环境局"
    profile.save()
    forget_bureau()  # as the saving process does (snippets.signals)
    assert "重庆市某某区生态环境局" in client.get(FILE_URL).content.decode()

    from petition_site.public.starter import ensure_public_pages

    home = ensure_public_pages()
    assert f'href="{home.get_children().first().url}"' in client.get(FILE_URL).content.decode()


def test_x_1_a_page_with_a_query_string_or_a_challenge_is_rendered_for_its_visitor(client):
    website_channel()
    page = client.get(FILE_URL + "?from=sms").content.decode()
    assert 'name="next" value="/xinfang/file/?from=sms"' in page
    assert not views._EMPTY_FORM_PAGES


def test_x_1_a_forms_own_changes_never_reach_the_next_visitors_form():
    """The form's fields are shared by the process's forms: what one form changes for its
    visitor (an anonymous report's optional name, the errors' descriptions, a challenge) is on
    its own copy."""
    from petitions.intake.abuse import new_challenge

    first = PublicFilingForm({"anonymous": "on", "kind": "pollution", "place": ""})
    assert not first.is_valid()
    first.describe_errors()
    challenge = new_challenge()
    first.ask(challenge)
    assert 'aria-describedby="id_place_error' in str(first["place"])
    assert " required" not in str(first["name"])
    assert first["challenge_answer"].label == challenge.question

    second = PublicFilingForm(initial={"submission_token": "x" * 43})
    assert "id_place_error" not in str(second["place"])
    assert " required" in str(second["name"]) and " required" in str(second["phone"])
    assert second["challenge_answer"].label == "验证问题"
    assert second.fields["description"] is PublicFilingForm().fields["description"]  # shared
