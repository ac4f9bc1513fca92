import re

from django import forms
from django.utils.translation import gettext_lazy as _

SEPARATORS = re.compile(r"[\n\r,，、;；]+")


def split_values(text: str) -> list[str]:
    return [value.strip() for value in SEPARATORS.split(text or "") if value.strip()]


class PreviewForm(forms.Form):
    """试算: what would a person with these OA values get?"""

    departments = forms.CharField(
        label=_("办公系统部门"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("每行一个，或用逗号、顿号分隔")}),
        help_text=_("每行一个，或用逗号、顿号分隔。"),
    )
    roles = forms.CharField(
        label=_("办公系统角色"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("每行一个，或用逗号、顿号分隔")}),
        help_text=_("每行一个，或用逗号、顿号分隔。"),
    )

    def values(self) -> tuple[list[str], list[str]]:
        return split_values(self.cleaned_data["departments"]), split_values(self.cleaned_data["roles"])
