from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm

from .security.login import lockout_message


class StaffLoginForm(LoginForm):
    """Wagtail's login form, with the password label its catalog leaves in English, and the
    lockout (site/security/login.py) said in words instead of "wrong password"."""

    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"placeholder": _("输入密码")}),
    )

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return forms.ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()
