"""The site's own admin hooks: the login locks screen, its audit-log actions, and the scope of
Wagtail's CMS screens."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .security import admin_scope, login
from .security.views import LoginLocksView

for _menu in ("construct_main_menu", "construct_settings_menu", "construct_reports_menu"):
    hooks.register(_menu, admin_scope.remove_cms_menu_items)
hooks.register("construct_homepage_summary_items", admin_scope.remove_cms_summary_items)
hooks.register("construct_main_menu", admin_scope.remove_help_menu)
hooks.register("construct_main_menu", admin_scope.name_site_reports)
# Runs after every other construct_homepage_panels hook (order 100), whatever the apps' order.
hooks.register("construct_homepage_panels", admin_scope.remove_cms_panels, order=100)


@hooks.register("register_log_actions")
def register_security_log_actions(actions):
    """Every lock, unlock and expiry of a login lock is in the audit log (等保 8.1.4.3)."""
    for action, label in login.LOG_ACTIONS.items():
        actions.register_action(action, label, label)


@hooks.register("register_admin_urls")
def register_security_urls():
    return [path("login-locks/", LoginLocksView.as_view(), name="security_login_locks")]


class LoginLocksMenuItem(MenuItem):
    def is_shown(self, request):
        return login.may_unlock(request.user)


@hooks.register("register_settings_menu_item")
def register_login_locks_menu_item():
    return LoginLocksMenuItem(
        _("登录锁定"), reverse("security_login_locks"), icon_name="lock", order=910
    )
