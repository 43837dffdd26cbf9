"""Listing columns the configuration screens share."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column


class YesNoColumn(Column):
    """A yes/no field as 是 or 否.

    Wagtail shows a boolean as Python's True/False (or, in its BooleanColumn, as an icon whose
    title is True/False): English words a clerk should not meet.
    """

    def __init__(self, name: str, model, **kwargs):
        kwargs.setdefault("label", model._meta.get_field(name).verbose_name)
        kwargs.setdefault("sort_key", name)
        super().__init__(name, **kwargs)

    def get_value(self, instance):
        value = super().get_value(instance)
        if value is None:
            return ""
        return _("是") if value else _("否")
