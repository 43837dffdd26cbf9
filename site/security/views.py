"""登录锁定 (设置 › 登录锁定): the accounts and addresses locked now, and unlocking them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import login


class LoginLocksView(WagtailAdminTemplateMixin, TemplateView):
    """Administrators see who is locked out, until when, and unlock them (logged)."""

    template_name = "security/login_locks.html"
    page_title = _("登录锁定")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not login.may_unlock(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            locks=login.current_locks(),
            failure_limit=login.failure_limit(),
            minutes=int(login.cool_off().total_seconds() // 60),
        )
        return context

    def post(self, request, *args, **kwargs):
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "").strip()
        if kind not in ("username", "ip_address") or not value:
            messages.error(request, _g("请选择要解锁的账户或地址。"))
        elif login.unlock(kind, value, by=request.user):
            messages.success(request, _g("已解除 %(value)s 的登录锁定。") % {"value": value})
        else:
            messages.error(request, _g("%(value)s 没有被锁定。") % {"value": value})
        return redirect("security_login_locks")
