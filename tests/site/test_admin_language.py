"""X.4: the admin speaks Chinese by default, whatever the browser asks for."""

import pytest

pytestmark = pytest.mark.django_db


def test_x_4_login_page_is_in_chinese_with_the_platform_name(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in page
    assert "登录环境信访工作平台" in page and "密码" in page
    assert "Password" not in page and "Sign in to Wagtail" not in page
