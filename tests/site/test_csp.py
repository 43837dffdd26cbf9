"""Content-Security-Policy on every HTML page (issue 11): strict on the public site, as strict as
Wagtail allows in the admin, violations reported to a logged endpoint."""

import io
import json
import logging
import re

import pytest
from django.core.management import call_command
from factories import detachment_user, website_channel

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def public_pages(monkeypatch):
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "Starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    website_channel()


@pytest.mark.parametrize(
    "path", ["/", "/guide/", "/referral-guide/", "/xinfang/file/", "/xinfang/status/"]
)
def test_csp_public_pages_allow_no_inline_script_and_nothing_from_elsewhere(
    client, public_pages, path
):
    response = client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["report-uri"] == ["/csp-report/"]
    # Inline <style> only with this response's nonce.
    nonces = [v for v in policy["style-src"] if v.startswith("'nonce-")]
    assert nonces and "'unsafe-inline'" not in policy["style-src"]
    html = response.content.decode()
    nonce = nonces[0][len("'nonce-") : -1]
    for style in re.findall(r"<style[^>]*>", html):
        assert f'nonce="{nonce}"' in style, style
    # Every script is a file of this server; no handler in an attribute; no style attribute.
    for script in re.findall(r"<script[^>]*>", html):
        assert "src=" in script or 'type="application/json"' in script, script
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"\sstyle=", html)


def test_csp_the_nonce_changes_with_every_response(client, public_pages):
    first, second = client.get("/"), client.get("/")
    assert _policy(first)["style-src"] != _policy(second)["style-src"]


def test_csp_admin_pages_have_their_policy(client):
    client.force_login(detachment_user())
    for path in ("/admin/", "/admin/cases/", "/admin/login/"):
        response = client.get(path)
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["report-uri"] == ["/csp-report/"]
        # Wagtail 8 renders inline scripts (its date chooser): allowed here, from this origin.
        assert all(v in {"'self'", "'unsafe-inline'"} for v in policy["script-src"])
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_csp_api_docs_have_a_policy_without_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert _policy(response)["script-src"] == ["'self'"]


def test_csp_violation_reports_are_logged(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "http://testserver/xinfang/file/",
            "violated-directive": "script-src",
            "blocked-uri": "inline",
        }
    }
    with caplog.at_level(logging.WARNING, logger="petition_site.csp"):
        response = client.post(
            "/csp-report/", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert any(
        "script-src" in r.getMessage() and "/xinfang/file/" in r.getMessage()
        for r in caplog.records
    )
    assert client.get("/csp-report/").status_code == 405
    # Reporting API (report-to) batches are lists.
    with caplog.at_level(logging.WARNING, logger="petition_site.csp"):
        batch = [{"type": "csp-violation", "body": {"effectiveDirective": "style-src"}}]
        response = client.post(
            "/csp-report/", json.dumps(batch), content_type="application/reports+json"
        )
    assert response.status_code == 204
    assert any("style-src" in r.getMessage() for r in caplog.records)
