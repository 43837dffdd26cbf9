"""A24.1: no case can be deleted by any screen, API, or the model's delete()."""

import pytest
from factories import detachment_user, make_case

from petitions.models import Case, CaseDeletionForbidden

pytestmark = pytest.mark.django_db


def test_a24_1_model_delete_is_refused():
    case = make_case()
    with pytest.raises(CaseDeletionForbidden):
        case.delete()
    with pytest.raises(CaseDeletionForbidden):
        Case.objects.filter(pk=case.pk).delete()
    assert Case.objects.filter(pk=case.pk).exists()


def test_a24_1_admin_delete_screen_is_refused_even_for_a_superuser(client, django_user_model):
    case = make_case()
    admin = django_user_model.objects.create_superuser("root", "", "pw-123456")
    client.force_login(admin)
    for user in (admin, detachment_user()):
        client.force_login(user)
        assert client.get(f"/admin/cases/delete/{case.pk}/").status_code in {302, 403}
        assert client.post(f"/admin/cases/delete/{case.pk}/").status_code in {302, 403}
    assert Case.objects.filter(pk=case.pk).exists()
    listing = client.get("/admin/cases/").content.decode()
    assert f"/admin/cases/delete/{case.pk}/" not in listing


def test_a24_1_the_audit_log_cannot_be_edited_even_through_the_orm():
    from django.db import DatabaseError, transaction
    from wagtail.models import ModelLogEntry

    case = make_case()
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.file")
    with pytest.raises(DatabaseError), transaction.atomic():
        ModelLogEntry.objects.filter(pk=entry.pk).update(action="petitions.nothing")
    entry.refresh_from_db()
    assert entry.action == "petitions.file"
