"""The empty filing form's fields are rendered once and kept (issue 14): the page a visitor gets
is the same as rendered afresh, with their own tokens, and a category change shows at once."""

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from factories import a_category, website_channel

from petition_site.public import views
from petitions.intake.filing import PublicFilingForm
from snippets.models import Category

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"
TOKENS = re.compile(r'(name="(?:csrfmiddlewaretoken|submission_token)" value=")[^"]+"')


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    views._EMPTY_FORM_FIELDS.clear()
    yield
    views._EMPTY_FORM_FIELDS.clear()


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
