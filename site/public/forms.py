"""Forms of the public website that more than one page uses."""

from django import forms
from django.utils.translation import gettext_lazy as _


class StatusForm(forms.Form):
    """A case number and its query code: the status lookup, and the review and feedback pages."""

    number = forms.CharField(
        label=_("信访事项编号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
