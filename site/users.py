"""The staff accounts in Wagtail's user screens, with Chinese names (设置 › 用户); and the few
places where Wagtail's admin shows a person or a label in a way no setting or hook can change.

A name is entered as the office writes it: the family name (姓) first, then the given name
(名); the user model joins them in that order (snippets.people.full_name), so 王 + 五 is shown
as 王五 everywhere.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.sidebar import MainMenuModule
from wagtail.models import Site
from wagtail.sites import views as sites_views
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet

from snippets.people import display_name


class ChineseNameMixin:
    """姓 before 名, labelled as the office says them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_name"].label = _("姓")
        self.fields["first_name"].label = _("名")
        self.fields["first_name"].help_text = _(
            "姓名是一个整体时（如复姓或少数民族姓名），可全部填在“姓”中。"
        )
        # A compound name written whole in one field is enough.
        self.fields["first_name"].required = False
        self.order_fields(["username", "last_name", "first_name", "email"])


class StaffUserCreationForm(ChineseNameMixin, UserCreationForm):
    pass


class StaffUserEditForm(ChineseNameMixin, UserEditForm):
    pass


class StaffUserViewSet(UserViewSet):
    template_prefix = "staff_users/"

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm


def install_sidebar_name() -> None:
    """The sidebar's account menu names the user by full name (王五), not by given name alone.

    Wagtail passes ``user.first_name`` to the sidebar's script, with no hook to change it: the
    one method that builds those arguments is wrapped here once (called from the app's ready()).
    """
    original = MainMenuModule.js_args
    if getattr(original, "full_name", False):
        return

    def js_args(self):
        args = original(self)
        args[2] = {**args[2], "name": display_name(self.user)}
        return args

    js_args.full_name = True  # type: ignore[attr-defined]
    MainMenuModule.js_args = js_args


def label_site_columns() -> None:
    """Wagtail's list of sites (设置 › 站点) titles three columns with the field's English name
    ("Port", "Site name", "Root page") instead of its translated verbose name: given the verbose
    name here, once (called from the app's ready())."""
    for column in sites_views.IndexView.columns:
        if column.label == capfirst(column.name.replace("_", " ")):
            column.label = capfirst(Site._meta.get_field(column.name).verbose_name)
