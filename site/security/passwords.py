"""Password rules of 等保 2.0 level 3 (GB/T 22239 8.1.4.1 a): complex enough, not the username.

Django's own validators refuse common and all-digit passwords and give the length (8 characters
at least, with a message of our own); these add what they lack. Messages in the user's language.
"""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _g


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message in the user's language: Django 5.2's Chinese catalogue lacks the
    message's current wording, so Chinese users saw it in English."""

    def get_error_message(self):
        return _g("密码长度太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self):
        return _g("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}


#: The four classes of characters.
CHARACTER_CLASSES = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c in string.digits),
    ("symbol", lambda c: not c.isalnum() or not c.isascii()),
)


class CharacterClassesValidator:
    """At least ``min_classes`` of: lowercase letters, uppercase letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(1 for _name, test in CHARACTER_CLASSES if any(test(c) for c in password))
        if used < self.min_classes:
            raise ValidationError(self._message(), code="password_too_simple")

    def _message(self) -> str:
        return _g("密码须包含小写字母、大写字母、数字和符号四类字符中的至少 %(n)d 类。") % {
            "n": self.min_classes
        }

    def get_help_text(self):
        return self._message()


class NotContainingUsernameValidator:
    """The password may not contain the username, in any case, forwards or backwards."""

    def validate(self, password, user=None):
        username = (user.get_username() if user is not None else "") or ""
        if len(username) < 3:
            return
        folded, name = password.casefold(), username.casefold()
        if name in folded or name[::-1] in folded:
            raise ValidationError(_g("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _g("密码不能包含用户名。")
