"""The login policy of 等保 2.0 level 3 (GB/T 22239 8.1.4.1): lockout, its audit log, the warning.

django-axes counts failed logins. After ``AXES_FAILURE_LIMIT`` (5) failures within the cool-off
period an account is locked, and so is an address (by account *and* by address:
``AXES_LOCKOUT_PARAMETERS``), for ``AXES_COOLOFF_TIME`` (30 minutes), or until an administrator
unlocks it under 设置 › 登录锁定. Each lock, unlock and expiry is an entry of Wagtail's audit log
(``security.*`` actions), logged on the failed-login record (axes' AccessAttempt) it concerns.

At every successful login the user is told when and from where they last logged in, and how
many failed logins on their account there have been since.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from petitions.intake.abuse import client_address

LOCKED_ACCOUNT = "security.account_locked"
LOCKED_ADDRESS = "security.address_locked"
UNLOCKED = "security.unlocked"
LOCK_EXPIRED = "security.lock_expired"

LOG_ACTIONS = {
    LOCKED_ACCOUNT: _("账户登录锁定"),
    LOCKED_ADDRESS: _("地址登录锁定"),
    UNLOCKED: _("解除登录锁定"),
    LOCK_EXPIRED: _("登录锁定到期"),
}

UNLOCK_PERMISSION = "axes.delete_accessattempt"


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the visitor's address as the abuse limits see it (trusting
    PETITIONS_TRUSTED_PROXIES), or None when there is no valid one (axes stores an inet)."""

    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def cool_off() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def failure_limit() -> int:
    return settings.AXES_FAILURE_LIMIT


def lockout_message() -> str:
    minutes = int(cool_off().total_seconds() // 60)
    return _g(
        "连续登录失败次数过多，该账户或本机地址已被锁定 %(minutes)d 分钟。"
        "请稍后再试，或请系统管理员解锁。"
    ) % {"minutes": minutes}


# --- what is locked -------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """A locked account (``kind`` "username") or address ("ip_address")."""

    kind: str
    value: str
    failures: int
    last_failure: dt.datetime

    @property
    def until(self) -> dt.datetime:
        return self.last_failure + cool_off()

    @property
    def kind_label(self) -> str:
        return _g("账户") if self.kind == "username" else _g("地址")


def _attempts():

    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off())


def current_locks() -> list[Lock]:
    """Every account and address locked now, the latest first."""
    locks = []
    for kind in ("username", "ip_address"):
        rows = (
            _attempts()
            .exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=failure_limit())
        )
        locks += [Lock(kind, row[kind], row["failures"], row["last"]) for row in rows]
    return sorted(locks, key=lambda lock: lock.last_failure, reverse=True)


def _failures(kind: str, value: str) -> int:
    return _attempts().filter(**{kind: value}).aggregate(n=Sum("failures_since_start"))["n"] or 0


def _record_of(kind: str, value: str):
    """The latest failed-login record of an account or address: what its log entries are on."""

    return AccessAttempt.objects.filter(**{kind: value}).order_by("-attempt_time").first()


def _log(action: str, kind: str, value: str, *, user=None, **data) -> None:
    record = _record_of(kind, value)
    if record is None:
        return
    label = _g("账户 %(value)s") if kind == "username" else _g("地址 %(value)s")
    log(
        instance=record,
        action=action,
        user=user,
        title=label % {"value": value},
        data={"kind": kind, "value": value, **data},
    )


# --- signal receivers (connected in the app's ready()) ----------------------------------------


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """axes.signals.user_locked_out: log the lock of the account and of the address once, at the
    failure that reaches the limit (later failures during the lock only prolong it)."""
    for kind, value, action in (
        ("username", username, LOCKED_ACCOUNT),
        ("ip_address", ip_address, LOCKED_ADDRESS),
    ):
        if value and _failures(kind, value) == failure_limit():
            until = timezone.now() + cool_off()
            _log(action, kind, value, failures=failure_limit(), until=until.isoformat())


def on_logged_in(sender, request=None, user=None, **kwargs) -> None:
    """user_logged_in: tell the user of their last login and the failures since (等保 8.1.4.1)."""

    if request is None or user is None:
        return
    username = user.get_username()
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    note_expired_locks(username)
    previous = (
        AccessLog.objects.filter(username=username, attempt_time__lt=now)
        .order_by("-attempt_time")
        .first()
    )
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__lt=now)
    if previous is not None:
        failures = failures.filter(attempt_time__gt=previous.attempt_time)
    count = failures.count()
    if previous is not None:
        text = _g("上次成功登录：%(time)s，地址 %(address)s。") % {
            "time": timezone.localtime(previous.attempt_time).strftime("%Y-%m-%d %H:%M"),
            "address": previous.ip_address or _g("未知"),
        }
    else:
        text = _g("这是该账户第一次登录。")
    if count:
        text += " " + _g(
            "此后有 %(count)d 次登录失败，如非本人操作，请立即修改密码并告知系统管理员。"
        ) % {"count": count}
        messages.warning(request, text, fail_silently=True)
    else:
        text += " " + _g("此后没有登录失败。")
        messages.info(request, text, fail_silently=True)


def note_expired_locks(username: str) -> None:
    """Log that a lock of ``username`` ran out, once, when it has (nobody unlocked it)."""

    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AccessAttempt),
        data__kind="username",
        data__value=username,
    ).order_by("-timestamp", "-id")
    latest = entries.first()
    if latest is None or latest.action != LOCKED_ACCOUNT:
        return
    until = dt.datetime.fromisoformat(latest.data["until"])
    if until <= timezone.now():
        # On the lock's own record: axes has deleted the expired attempts by now.
        ModelLogEntry.objects.create(
            content_type=latest.content_type,
            object_id=latest.object_id,
            label=latest.label,
            action=LOCK_EXPIRED,
            timestamp=timezone.now(),
            data={"kind": "username", "value": username, "until": until.isoformat()},
        )


# --- unlocking ------------------------------------------------------------------------------


def may_unlock(user) -> bool:
    return bool(user.is_authenticated and user.has_perm(UNLOCK_PERMISSION))


def unlock(kind: str, value: str, *, by) -> int:
    """Unlock an account or an address now; logged. Returns how many records were cleared."""

    if kind not in ("username", "ip_address"):
        raise ValueError(kind)
    _log(UNLOCKED, kind, value, user=by)
    if kind == "username":
        return reset(username=value)
    return reset(ip=value)


# --- the response to a locked login ----------------------------------------------------------


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page itself, with the lockout message (from the login
    form, ``StaffLoginForm``), answered 429."""

    if original_response is None:
        return HttpResponse(lockout_message(), status=429, content_type="text/plain")
    original_response.status_code = 429
    return original_response
