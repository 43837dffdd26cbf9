"""A2.1, A24.1: Wagtail's own reports, histories, searches and choosers keep to the case scope.

The case ledger is scoped per role (test_access_matrix). Wagtail brings screens of its own that
list log entries of every model: the site history report (站点历史) with its CSV and XLSX
export, and the history of each object. Each is tried here by every actor of the access matrix;
the case numbers each answer shows must be exactly those of the cases the actor sees in the
ledger. Wagtail's CMS screens (pages, images, documents, workflows, redirects, collections,
page reports, form submissions, choosers) are the administrators' alone: for every other role
they are neither in the menu nor reachable by address.
"""

import csv
import io
import re

import openpyxl
import pytest
import test_access_matrix as matrix
from wagtail.models import Page

pytestmark = pytest.mark.django_db

#: The access matrix's fixture: its users, departments, and two cases with an attachment each.
world = matrix.world

#: Who sees which of the two cases of the matrix (A hosted by A with B, C hosted by C), as in the
#: ledger: a user recused from a case reads it masked (A6.2), without its attachments.
SEES = {
    "detachment": {"a", "c"},
    "handler_a": {"a"},
    "head_a": {"a"},
    "leader_a": {"a"},
    "staff_b": {"a"},
    "staff_c": {"c"},
    "bureau_head": {"a", "c"},
    "office": {"a", "c"},
    "discipline": {"a", "c"},
    "duty": set(),
    "administrator": set(),
    "recused_a": {"a"},
    "anonymous": set(),
}

#: Wagtail's CMS screens: reachable for the administrator (and a superuser) only.
CMS_ADDRESSES = [
    "/admin/pages/",
    "/admin/pages/{home}/",
    "/admin/pages/{home}/edit/",
    "/admin/pages/{home}/history/",
    "/admin/pages/search/",
    "/admin/choose-page/",
    "/admin/images/",
    "/admin/images/chooser/",
    "/admin/documents/",
    "/admin/documents/chooser/",
    "/admin/workflows/list/",
    "/admin/workflows/tasks/index/",
    "/admin/redirects/",
    "/admin/collections/",
    "/admin/forms/",
    "/admin/reports/locked/",
    "/admin/reports/workflow/",
    "/admin/reports/workflow_tasks/",
    "/admin/reports/aging-pages/",
    "/admin/reports/page-types-usage/",
]
#: What the CMS screens' menu items and dashboard panels link to.
CMS_LINKS = (
    "/admin/pages/",
    "/admin/images/",
    "/admin/documents/",
    "/admin/workflows/",
    "/admin/redirects/",
    "/admin/collections/",
    "/admin/forms/",
    "/admin/reports/locked/",
    "/admin/reports/aging-pages/",
    "/admin/reports/page-types-usage/",
)
CMS_ROLES = {"administrator"}


def _numbers_in(text: str, world) -> set[str]:
    return {key for key, case in world["cases"].items() if case.number in text}


def _site_history_views(client) -> dict[str, str]:
    """The report, its results fragment, and its CSV and XLSX export, as text."""
    found = {}
    for name, address in {
        "page": "/admin/reports/site-history/",
        "results": "/admin/reports/site-history/results/",
        "csv": "/admin/reports/site-history/?export=csv",
        "xlsx": "/admin/reports/site-history/?export=xlsx",
        # Wagtail's filters offer the logged objects' labels too: a search names the case.
        "search": "/admin/reports/site-history/?label=JLPXF",
    }.items():
        response = client.get(address)
        if response.status_code != 200:
            found[name] = ""
            continue
        body = matrix._body(response)
        if name == "csv":
            text = "\n".join(",".join(r) for r in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        elif name == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
            text = "\n".join(
                str(v)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for v in row
                if v is not None
            )
        else:
            text = body.decode()
        found[name] = text
    return found


@pytest.mark.parametrize("actor", matrix.ACTORS)
def test_a2_1_a24_1_the_site_history_and_its_export_keep_to_the_case_scope(world, actor):
    """站点历史 (/admin/reports/site-history/), its results, CSV and XLSX: only the log entries
    of the cases the actor sees in the ledger."""
    client = matrix._client(world["users"].get(actor))
    wrong = []
    for view, text in _site_history_views(client).items():
        shown = _numbers_in(text, world)
        if shown != SEES[actor]:
            wrong.append(f"{view}: shows {sorted(shown)}, expected {sorted(SEES[actor])}")
    assert not wrong, f"{actor}:\n" + "\n".join(wrong)


def test_a24_1_the_site_history_still_shows_everything_in_scope(world):
    """The scope does not hide what the detachment and discipline inspection must read."""
    text = _site_history_views(matrix._client(world["users"]["discipline"]))["page"]
    case = world["cases"]["a"]
    assert case.number in text
    assert "交办" in text  # the dispatch step


@pytest.mark.parametrize("actor", matrix.ACTORS)
def test_a2_1_wagtail_cms_screens_are_for_administrators_only(world, actor):
    """Pages, images, documents, workflows, redirects, collections, form submissions and page
    reports: not in the menu and not reachable by address, except for the administrator."""
    user = world["users"].get(actor)
    client = matrix._client(user)
    home = Page.objects.filter(depth=2).first()
    reached = []
    for pattern in CMS_ADDRESSES:
        address = pattern.format(home=home.pk)
        response = client.get(address)
        if response.status_code == 200:
            reached.append(address)
    if actor in CMS_ROLES:
        # The administrator edits the public pages: their screens work.
        assert f"/admin/pages/{home.pk}/edit/" in reached
        assert _menu_links(client)["/admin/pages/"]
        return
    assert not reached, f"{actor} reached: {reached}"
    if user is not None:
        shown = [link for link, present in _menu_links(client).items() if present]
        assert not shown, f"{actor} sees links: {shown}"


def _menu_links(client) -> dict[str, bool]:
    """Which CMS screens the dashboard links to: in the sidebar menu or in a panel."""
    html = client.get("/admin/").content.decode()
    sidebar = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    links = re.findall(r'"url": "([^"]+)"', sidebar) + re.findall(r'href="([^"]+)"', html)
    return {cms: any(link.startswith(cms) for link in links) for cms in CMS_LINKS}


@pytest.mark.parametrize("actor", ["handler_a", "staff_c", "duty", "recused_a"])
def test_a2_1_the_history_of_records_tied_to_a_case_keeps_to_its_scope(world, actor):
    """The history views of the case and of the records made on it are the case's addresses."""
    from petitions.models import SpotCheck

    case = world["cases"]["a"]
    check = SpotCheck.objects.create(
        case=case, checked_on=case.received_at.date(), finding="compliant"
    )
    client = matrix._client(world["users"][actor])
    for address in (
        f"/admin/cases/history/{case.pk}/",
        f"/admin/cases/usage/{case.pk}/",
        f"/admin/spot-checks/history/{check.pk}/",
        f"/admin/spot-checks/inspect/{check.pk}/",
        f"/admin/spot-checks/edit/{check.pk}/",
    ):
        response = client.get(address)
        allowed = response.status_code == 200 and case.number in response.content.decode()
        expected = "a" in SEES[actor] and address.startswith("/admin/cases/history/")
        assert allowed == expected, (actor, address, response.status_code)
