"""Form fields that choose rows by id and answer nonsense with a message, not a server error.

Django's model choice fields pass the submitted id to the database; an id beyond a 64-bit
integer (fuzzing found 9223372036854775808) makes SQLite raise OverflowError instead of a
validation error. These refuse such ids before any query.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

_MAX_ID = 2**63 - 1


def _fits(value) -> bool:
    try:
        return abs(int(str(value).strip())) <= _MAX_ID
    except ValueError:
        return True  # not a number at all: Django's own check says so in its own words


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _fits(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not _fits(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class LongTextField(forms.CharField):
    """A long text whose line breaks count as one character each, as the counter beside it
    counts them (a browser sends each as CR LF)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")
