"""Wagtail's own admin screens keep to each role's case scope (A2.1, A6.1, A24.1).

The ledger, the case page and its history already show a user only the cases in their scope
(``petitions.cases.access.visible_cases``). Wagtail adds screens of its own:

- the site history report (站点历史, with its CSV and XLSX export and its filters) lists the log
  entries of every model the user holds any permission on: with ``view_case``, the audit log of
  every case. Wagtail offers no hook for it, so the one method the report (and only the report)
  reads log entries through, ``ModelLogEntryManager.viewable_by_user``, is wrapped here to drop
  the entries of cases, and of records made on a case, outside the user's scope;
- the CMS screens (pages, images, documents, workflows, redirects, collections, form
  submissions, the page reports and choosers) are for the administrators who edit the public
  site: for every other role they are removed from the menus and refused by address.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import SubmenuMenuItem
from wagtail.models.audit_log import ModelLogEntryManager

from petitions.cases.access import user_roles, visible_cases
from petitions.cases.models import Case
from rules.roles import Role

#: Records made on a case that Wagtail logs under their own model: their log entries are the
#: case's, with the case's scope. (Steps on a case are logged on the case itself.)
CASE_RECORD_MODELS = ("petitions.SpotCheck", "petitions.Talk")


def _as_text(queryset: QuerySet) -> QuerySet:
    """The primary keys as text: the log's object_id is a text column."""
    return queryset.annotate(pk_text=Cast("pk", output_field=CharField())).values("pk_text")


def scope_log_entries(entries: QuerySet, user) -> QuerySet:
    """``entries`` less those of cases (and of their records) that ``user`` does not see."""

    if user.is_superuser:
        return entries
    visible = visible_cases(user)
    hidden = Q(content_type=ContentType.objects.get_for_model(Case)) & ~Q(
        object_id__in=_as_text(visible)
    )
    for label in CASE_RECORD_MODELS:
        model = apps.get_model(label)
        in_scope = model.objects.filter(Q(case__isnull=True) | Q(case__in=visible.values("pk")))
        hidden |= Q(content_type=ContentType.objects.get_for_model(model)) & ~Q(
            object_id__in=_as_text(in_scope)
        )
    return entries.exclude(hidden)


def install_log_entry_scope() -> None:
    """Wrap ``ModelLogEntryManager.viewable_by_user`` once (called from the app's ready())."""

    original = ModelLogEntryManager.viewable_by_user
    if getattr(original, "case_scoped", False):
        return

    def viewable_by_user(self, user):
        return scope_log_entries(original(self, user), user)

    viewable_by_user.case_scoped = True
    viewable_by_user.__doc__ = original.__doc__
    ModelLogEntryManager.viewable_by_user = viewable_by_user


# --- the CMS screens --------------------------------------------------------------------------

#: Admin addresses (under /admin/) of Wagtail's CMS: the public pages and their media.
CMS_PATHS = (
    "pages/",
    "choose-page/",
    "choose-external-link/",
    "choose-email-link/",
    "choose-phone-link/",
    "choose-anchor-link/",
    "block-preview/",
    "bulk/",
    "images/",
    "documents/",
    "embeds/",
    "workflows/",
    "redirects/",
    "collections/",
    "forms/",
    "sites/",
    "locales/",
    "reports/locked/",
    "reports/workflow/",
    "reports/workflow_tasks/",
    "reports/aging-pages/",
    "reports/page-types-usage/",
)
#: Their menu items (Wagtail's names), in the main, settings and reports menus.
CMS_MENU_ITEMS = frozenset(
    {
        "explorer",
        "images",
        "documents",
        "forms",
        "workflows",
        "workflow-tasks",
        "redirects",
        "collections",
        "sites",
        "locales",
        "locked-pages",
        "aging-pages",
        "page-types-usage",
    }
)


def may_use_cms(user) -> bool:
    """The administrators (系统管理员) edit the public site; no other role has use for it."""

    return bool(
        user.is_authenticated and (user.is_superuser or Role.ADMINISTRATOR in user_roles(user))
    )


class CmsScreensMiddleware:
    """Refuses Wagtail's CMS addresses to staff who are not administrators."""

    def __init__(self, get_response):
        self.get_response = get_response

        self.admin_root = reverse("wagtailadmin_home")
        self.prefixes = tuple(self.admin_root + p for p in CMS_PATHS)

    def __call__(self, request):
        if (
            request.path_info.startswith(self.prefixes)
            and request.user.is_authenticated
            and not may_use_cms(request.user)
        ):
            return permission_denied(request)
        return self.get_response(request)


def remove_cms_menu_items(request, menu_items) -> None:
    """For the construct_*_menu hooks: no CMS item for those who may not use it."""
    if not may_use_cms(request.user):
        menu_items[:] = [item for item in menu_items if item.name not in CMS_MENU_ITEMS]


def remove_cms_summary_items(request, summary_items) -> None:
    """The dashboard's counts of pages, images and documents link to the CMS screens."""
    if not may_use_cms(request.user):
        summary_items[:] = []


# --- what is left of Wagtail's own menus and dashboard ------------------------------------------

#: Wagtail's help menu: its editor guide and release notes are English pages on wagtail.org and
#: its shortcuts are the page editor's; nobody in the office edits pages that way.
HELP_MENU_ITEM = "help"


def remove_help_menu(request, menu_items) -> None:
    """For construct_main_menu: no Wagtail help menu."""
    menu_items[:] = [item for item in menu_items if item.name != HELP_MENU_ITEM]


def name_site_reports(request, menu_items) -> None:
    """For construct_main_menu: Wagtail's 报告 (the CMS reports and the site history) is named
    网站报告, so that an administrator who also sees 统计报表 does not take one for the other."""
    for i, item in enumerate(menu_items):
        if item.name == "reports" and isinstance(item, SubmenuMenuItem):
            menu_items[i] = SubmenuMenuItem(
                _("网站报告"),
                item.menu,
                name=item.name,
                icon_name=item.icon_name,
                order=item.order,
            )


def remove_cms_panels(request, panels) -> None:
    """For construct_homepage_panels: the dashboard of staff who do not edit the public site
    shows their own work only (the panels of petitions), not Wagtail's pages in moderation,
    recent page edits or locked pages."""
    if not may_use_cms(request.user):
        panels[:] = [p for p in panels if type(p).__module__.startswith("petitions.")]
