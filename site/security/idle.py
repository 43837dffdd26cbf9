"""The idle timeout of staff sessions (等保 2.0 level 3, 8.1.4.1 b: 登录连接超时自动退出).

A signed-in user who has done nothing for ``PETITIONS_IDLE_TIMEOUT_MINUTES`` (30 by default) is
signed out at their next request and sent to the login page. What counts as doing something is
a request the user made: the admin's own background calls (the editing-session pings an open
edit page sends every few seconds) do not keep a session alive.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _g

SESSION_KEY = "petitions_last_activity"
#: The stored time is refreshed at most this often: a session is not rewritten on every request.
RESOLUTION_SECONDS = 30
#: Requests the browser makes by itself, not the user.
BACKGROUND_PATHS = ("/admin/editing-sessions/",)


def idle_timeout_seconds() -> int:
    return settings.PETITIONS_IDLE_TIMEOUT_MINUTES * 60


def on_logged_in(sender, request=None, **kwargs) -> None:
    """user_logged_in: the session's activity starts with the login."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = time.time()


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > idle_timeout_seconds():
                logout(request)
                messages.info(
                    request,
                    _g("您已超过 %(minutes)d 分钟未操作，已自动退出，请重新登录。")
                    % {"minutes": settings.PETITIONS_IDLE_TIMEOUT_MINUTES},
                    fail_silently=True,
                )
            # (A clock set back, now < last, is no activity either: the session is not rewritten.)
            elif not request.path_info.startswith(BACKGROUND_PATHS) and (
                last is None or now - last >= RESOLUTION_SECONDS
            ):
                request.session[SESSION_KEY] = now
        return self.get_response(request)
