"""The login policy of 等保 2.0 level 3 (GB/T 22239-2019 8.1.4.1), tried at the login page.

- 5 failed logins lock the account, and the address, for 30 minutes: the right password is then
  refused too, with a message saying so;
- an administrator unlocks it under 设置 › 登录锁定; or it unlocks itself after the period;
- every lock, unlock and expiry is in Wagtail's audit log;
- passwords: at least 8 characters, 3 of 4 classes, not the username; messages in Chinese;
- a session idle for 30 minutes is signed out;
- at login the user is told of their last login and the failed logins since.
"""

import datetime as dt
import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from factories import UserFactory
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from rules.roles import Role

pytestmark = pytest.mark.django_db

RIGHT = "Huanbao-2026"
LOCKED_TEXT = "已被锁定"


def _user(username: str, **kwargs):
    user = UserFactory(username=username, roles=[Role.HANDLER], **kwargs)
    user.set_password(RIGHT)
    user.save()
    return user


def _login(client: Client, username: str, password: str, address: str = "10.1.1.1"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def _security_log(action: str, value: str):
    return ModelLogEntry.objects.filter(action=action, data__value=value)


@pytest.fixture
def administrator(monkeypatch):
    """A 系统管理员 as the starter configuration defines the role (not a superuser)."""
    monkeypatch.setenv("PETITIONS_ADMIN_PASSWORD", "Starter-pass-1")
    call_command("load_starter", stdout=io.StringIO())
    admin = UserFactory(username="xitong", roles=[Role.ADMINISTRATOR])
    assert not admin.is_superuser
    client = Client()
    client.force_login(admin)
    return admin, client


def test_dengbao_five_failures_lock_the_account_until_an_administrator_unlocks_it(administrator):
    admin, admin_client = administrator
    _user("wangwu", first_name="王五")
    client = Client()
    for attempt in range(1, 5):
        response = _login(client, "wangwu", f"wrong-{attempt}")
        assert response.status_code == 200 and LOCKED_TEXT not in response.content.decode()
    fifth = _login(client, "wangwu", "wrong-5")
    assert fifth.status_code == 429
    assert LOCKED_TEXT in fifth.content.decode() and "30 分钟" in fifth.content.decode()

    # Locked: the right password is refused too, from any address.
    for address in ("10.1.1.1", "10.2.2.2"):
        refused = _login(Client(), "wangwu", RIGHT, address)
        assert not _logged_in(refused) and refused.status_code == 429
        assert LOCKED_TEXT in refused.content.decode()
    assert _security_log("security.account_locked", "wangwu").count() == 1
    assert _security_log("security.address_locked", "10.1.1.1").count() == 1

    # The administrator sees the lock and lifts it; the unlock is logged with who did it.
    page = admin_client.get("/admin/login-locks/")
    assert page.status_code == 200
    assert 'data-value="wangwu"' in page.content.decode()
    assert "/admin/login-locks/" in admin_client.get("/admin/").content.decode()  # in the menu
    response = admin_client.post(
        "/admin/login-locks/", {"kind": "username", "value": "wangwu"}, follow=True
    )
    assert "已解除 wangwu 的登录锁定" in response.content.decode()
    unlock = _security_log("security.unlocked", "wangwu").get()
    assert unlock.user == admin
    assert _logged_in(_login(Client(), "wangwu", RIGHT))


def test_dengbao_five_failures_from_one_address_lock_the_address_for_every_account():
    _user("zhaoliu")
    for n in range(5):
        _login(Client(), f"guess{n}", "wrong", address="10.9.9.9")
    refused = _login(Client(), "zhaoliu", RIGHT, address="10.9.9.9")
    assert refused.status_code == 429 and LOCKED_TEXT in refused.content.decode()
    assert _security_log("security.address_locked", "10.9.9.9").count() == 1
    # The account itself is not locked: from another address it logs in.
    assert _logged_in(_login(Client(), "zhaoliu", RIGHT, address="10.8.8.8"))


def test_dengbao_a_lock_lasts_thirty_minutes_then_lifts_itself_and_that_is_logged():
    _user("sunqi")
    start = timezone.now()
    with freeze_time(start) as clock:
        for _ in range(5):
            _login(Client(), "sunqi", "wrong", address="10.3.3.3")
        clock.move_to(start + dt.timedelta(minutes=29))
        assert _login(Client(), "sunqi", RIGHT, address="10.4.4.4").status_code == 429
        # A failure during the lock counts: the 30 minutes run from the last failure.
        clock.move_to(start + dt.timedelta(minutes=29 + 31))
        assert _logged_in(_login(Client(), "sunqi", RIGHT, address="10.4.4.4"))
    assert _security_log("security.account_locked", "sunqi").count() == 1
    assert _security_log("security.lock_expired", "sunqi").count() == 1


def test_dengbao_a_non_administrator_cannot_see_or_lift_locks():
    _user("zhouba")
    for _ in range(5):
        _login(Client(), "zhouba", "wrong")
    handler = Client()
    handler.force_login(_user("qianjiu"))
    assert handler.get("/admin/login-locks/").status_code in {302, 403}
    handler.post("/admin/login-locks/", {"kind": "username", "value": "zhouba"})
    assert _login(Client(), "zhouba", RIGHT, address="10.5.5.5").status_code == 429
    assert not _security_log("security.unlocked", "zhouba").exists()


def test_dengbao_login_tells_of_the_last_login_and_the_failures_since():
    _user("wujiu")
    client = Client()
    first = _login(client, "wujiu", RIGHT, address="10.6.6.6")
    assert _logged_in(first)
    assert "这是该账户第一次登录" in client.get("/admin/").content.decode()
    client.post("/admin/logout/")
    _login(Client(), "wujiu", "wrong-1", address="10.7.7.7")
    _login(Client(), "wujiu", "wrong-2", address="10.7.7.7")
    client = Client()
    assert _logged_in(_login(client, "wujiu", RIGHT, address="10.6.6.6"))
    page = client.get("/admin/").content.decode()
    assert "上次成功登录" in page and "10.6.6.6" in page
    assert "此后有 2 次登录失败" in page


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-xyz", "密码长度太短"),  # 7 characters
        ("abcdefghij", "至少 3 类"),  # one class
        ("abcdefgh12", "至少 3 类"),  # two classes
        ("Zhangsan-2026", "不能包含用户名"),
    ],
)
def test_dengbao_passwords_need_eight_characters_three_classes_and_not_the_username(
    password, message
):
    user = UserFactory(username="zhangsan")
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user=user)
        messages = list(refused.value.messages)
    assert any(message in m for m in messages), messages


def test_dengbao_a_good_password_is_accepted():
    user = UserFactory(username="zhangsan")
    for password in ("Lvshui-qingshan", "lvshui-2026!", "LVSHUI2026x"):
        validate_password(password, user=user)


def test_dengbao_the_admin_user_form_refuses_a_weak_password_in_chinese(django_user_model):
    root = django_user_model.objects.create_superuser("root", "", "Root-pass-2026")
    client = Client()
    client.force_login(root)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "lisi",
            "email": "",
            "first_name": "李",
            "last_name": "四",
            "password1": "lisilisi",
            "password2": "lisilisi",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "不能包含用户名" in text and "至少 3 类" in text
    assert not django_user_model.objects.filter(username="lisi").exists()


def test_dengbao_an_idle_session_is_signed_out_after_thirty_minutes(settings):
    from petition_site.settings import base

    assert base.PETITIONS_IDLE_TIMEOUT_MINUTES == 30  # the default, a setting
    settings.PETITIONS_IDLE_TIMEOUT_MINUTES = 30  # the test settings lift it (freezegun)
    user = _user("zhengshi")
    start = timezone.now()
    with freeze_time(start) as clock:
        client = Client()
        client.force_login(user)
        assert client.get("/admin/").status_code == 200
        # Working keeps the session: 29 minutes, then 29 more.
        clock.move_to(start + dt.timedelta(minutes=29))
        assert client.get("/admin/").status_code == 200
        clock.move_to(start + dt.timedelta(minutes=58))
        assert client.get("/admin/").status_code == 200
        # 31 minutes of nothing: signed out, and told why.
        clock.move_to(start + dt.timedelta(minutes=58 + 31))
        response = client.get("/admin/", follow=True)
        assert response.request["PATH_INFO"] == "/admin/login/"
        assert "已自动退出" in response.content.decode()
        assert client.get("/admin/").status_code == 302
