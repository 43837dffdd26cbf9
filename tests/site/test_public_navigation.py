"""The public site's navigation (issue 14): looked up once, not on every request, and still
following the pages as the bureau publishes, moves or withdraws them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import website_channel
from wagtail.models import Page

from petition_site.public.models import GuidancePage, ReferralGuidePage
from petition_site.public.starter import ensure_public_pages

pytestmark = pytest.mark.django_db

FILE_URL = "/xinfang/file/"


@pytest.fixture
def home():
    website_channel()
    return ensure_public_pages()


def page_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if "wagtailcore_page" in q["sql"]]


def nav(html: str) -> str:
    return html.split('<nav aria-label="主导航">', 1)[1].split("</nav>", 1)[0]


def test_the_navigation_is_not_looked_up_per_request(client, home):
    assert page_queries(client, FILE_URL)  # the first request fills the cache
    assert page_queries(client, FILE_URL) == []
    assert page_queries(client, "/xinfang/status/") == []
    html = client.get(FILE_URL).content.decode()
    assert 'href="/guide/">办事指南</a>' in nav(html)
    assert 'href="/referral-guide/">转办指引</a>' in nav(html)


def test_the_navigation_follows_a_moved_renamed_or_withdrawn_page(client, home):
    client.get(FILE_URL)
    guide = GuidancePage.objects.get()
    referral = ReferralGuidePage.objects.get()

    # Renamed (a new slug, published) and moved under another page.
    guide.slug = "banshi"
    guide.save_revision().publish()
    assert 'href="/banshi/">办事指南</a>' in nav(client.get(FILE_URL).content.decode())
    Page.objects.get(pk=guide.pk).move(referral, pos="last-child")
    assert 'href="/referral-guide/banshi/">办事指南</a>' in nav(
        client.get(FILE_URL).content.decode()
    )

    # Withdrawn: the link goes.
    Page.objects.get(pk=guide.pk).specific.unpublish()
    assert "办事指南" not in nav(client.get(FILE_URL).content.decode())
    # Published again.
    GuidancePage.objects.get().save_revision().publish()
    assert 'href="/referral-guide/banshi/">办事指南</a>' in nav(
        client.get(FILE_URL).content.decode()
    )
