"""A6.1, A6.2: a petitioner's attachment identifies them as surely as their name.

Attachments follow the identity rule: only those handling the case download them, each download
is in the audit log, and nobody recused from the case, nor the office or discipline inspection
(who read cases, masked, but handle none), gets the file or even its name.
"""

import pytest
import test_access_matrix as matrix
from wagtail.models import ModelLogEntry

pytestmark = pytest.mark.django_db

#: The access matrix's fixture: its users, departments, and two cases with an attachment each.
world = matrix.world

DOWNLOAD = "petitions.download_attachment"


def _downloads(case, user) -> int:
    return ModelLogEntry.objects.filter(object_id=str(case.pk), action=DOWNLOAD, user=user).count()


@pytest.mark.parametrize("actor", ["recused_a", "office", "discipline"])
def test_a6_2_the_recused_and_the_reading_roles_cannot_download_an_attachment(world, actor):
    case, attachment = world["cases"]["a"], world["attachments"]["a"]
    user = world["users"][actor]
    client = matrix._client(user)
    response = client.get(f"/admin/cases/{case.pk}/attachment/{attachment.pk}/")
    assert response.status_code in {302, 403}
    assert matrix._body(response) != matrix.PNG
    assert _downloads(case, user) == 0
    # The case page shows that there is an attachment, but neither its link nor its name.
    page = client.get(f"/admin/cases/inspect/{case.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/attachment/{attachment.pk}/" not in text
    assert attachment.original_name not in text
    assert "附件" in text


@pytest.mark.parametrize("actor", ["handler_a", "staff_b", "detachment", "bureau_head"])
def test_a6_1_those_handling_the_case_download_it_and_each_download_is_logged(world, actor):
    case, attachment = world["cases"]["a"], world["attachments"]["a"]
    user = world["users"][actor]
    client = matrix._client(user)
    page = client.get(f"/admin/cases/inspect/{case.pk}/").content.decode()
    assert f"/admin/cases/{case.pk}/attachment/{attachment.pk}/" in page
    response = client.get(f"/admin/cases/{case.pk}/attachment/{attachment.pk}/")
    assert response.status_code == 200 and matrix._body(response) == matrix.PNG
    assert response["Content-Disposition"].startswith("attachment")
    assert _downloads(case, user) == 1
