"""X.5, issue 11: a deployment that runs ``manage.py migrate`` and nothing else files petitions.

The public site's rate limits live in the database cache; its table came only from ``bin/run``'s
``createcachetable``, so a fresh database after ``migrate`` answered every filing with a 500. Here
a brand-new SQLite database is migrated in another process and a filing is posted to the API
and to the website's form, as a resident would.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FILE_THROUGH_THE_API_AND_THE_FORM = r"""
import json, re, uuid
import django
django.setup()
from django.test import Client

api = Client().post(
    "/api/petitions/",
    {"kind": "pollution", "place": "九龙坡区新部署路1号", "description": "夜间噪声扰民。",
     "name": "赵六", "phone": "13600001234", "privacy_consent": "true"},
    headers={"Idempotency-Key": str(uuid.uuid4())},
)
browser = Client()
form = browser.get("/xinfang/file/")
token = re.search(r'name="submission_token" value="([^"]+)"', form.content.decode()).group(1)
website = browser.post("/xinfang/file/", {
    "kind": "pollution", "place": "九龙坡区新部署路2号", "description": "工地扬尘。",
    "name": "王小明", "phone": "13700001111", "privacy_consent": "on", "submission_token": token,
})
print(json.dumps({"api": api.status_code, "api_body": api.content.decode()[:300],
                  "form": form.status_code, "website": website.status_code,
                  "location": website.get("Location", "")}))
"""


def test_x_5_after_migrate_alone_the_api_and_the_form_accept_a_filing(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "petition_site.settings.test",
        "PETITIONS_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    result = subprocess.run(
        [sys.executable, "-c", FILE_THROUGH_THE_API_AND_THE_FORM],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["api"] == 201, answer["api_body"]
    assert answer["form"] == 200
    assert answer["website"] == 302 and "/xinfang/receipt/" in answer["location"], answer
