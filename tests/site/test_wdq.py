import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import website_channel, a_category
from petitions.intake.filing import new_submission_token
from petition_site.public.starter import ensure_public_pages
pytestmark = pytest.mark.django_db

def data(**kw):
    d = {"kind": "pollution", "place": "杨家坪正街8号", "description": "油烟直排。", "name": "李四",
         "phone": "13912345678", "privacy_consent": "on", "submission_token": new_submission_token()}
    d.update(kw); return d

def test_show(client):
    website_channel(); ensure_public_pages(); cat = a_category()
    client.get("/xinfang/file/")
    assert client.post("/xinfang/file/", data(categories=[cat.pk])).status_code == 302
    client.get("/xinfang/file/")
    with CaptureQueriesContext(connection) as q:
        r = client.post("/xinfang/file/", data(categories=[cat.pk], phone="13912345679"))
    assert r.status_code == 302
    print("N =", len(q.captured_queries))
    for x in q.captured_queries: print(x["sql"][:200])
