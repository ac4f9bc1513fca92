"""Forms of the 接入系统 page (for system administrators)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.integrations.accounts import SERVICE_ROLES
from xinfang.integrations.models import IntegrationKind
from xinfang.integrations.scopes import SCOPES
from xinfang.orgs.models import Role


def _role_choices():
    names = dict(Role.objects.filter(code__in=SERVICE_ROLES).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in SERVICE_ROLES]


class AccountForm(forms.Form):
    kind = forms.ChoiceField(label=_("系统类型"), choices=IntegrationKind.choices)
    restrict_to = forms.ModelMultipleChoiceField(
        label=_("限定单位（可不选）"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "选了单位，此系统的令牌只能看到、办理这些单位（含下级单位）的信访件，即使服务账号任职更广。"
        ),
    )
    contact = forms.CharField(label=_("联系人及电话"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["restrict_to"].queryset = units


class AccountCreateForm(AccountForm):
    name = forms.CharField(label=_("系统名称"), max_length=60)
    username = forms.SlugField(
        label=_("服务账号用户名"),
        max_length=150,
        help_text=_("英文字母、数字、下划线，例如 gov_portal。不能登录网页。"),
    )
    seat_units = forms.ModelMultipleChoiceField(
        label=_("任职单位"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(label=_("角色"), choices=(), widget=forms.CheckboxSelectMultiple)
    field_order = ["name", "kind", "username", "seat_units", "roles", "restrict_to", "contact", "note"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, units=units, **kwargs)
        self.fields["seat_units"].queryset = units
        self.fields["roles"].choices = _role_choices()


class TokenIssueForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=60, required=False)
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=[(code, f"{code}：{label}") for code, label in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.IntegerField(label=_("有效天数（0 = 不过期）"), min_value=0, max_value=3660, initial=365)


class TokenRotateForm(forms.Form):
    grace_minutes = forms.IntegerField(
        label=_("旧令牌继续有效（分钟）"), min_value=0, max_value=7 * 24 * 60, initial=60
    )
