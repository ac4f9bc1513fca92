"""Plain forms with Chinese labels: the rule set, one form per deduction item, key tasks, adjustments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.assessment.choices import DEDUCTION_HELP
from xinfang.assessment.models import RuleSet
from xinfang.assessment.services import RULE_FIELDS

NUMBER = {"min": "0", "step": "0.01", "inputmode": "decimal"}


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=_("考核期"),
        max_length=12,
        help_text=_("月份（如 2026-03）、季度（如 2026-Q1）或年份（如 2026）。"),
    )

    def clean_period(self):
        from xinfang.reporting.periods import parse_period

        return parse_period(self.cleaned_data["period"])


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = RULE_FIELDS
        widgets = {
            name: forms.NumberInput(attrs=NUMBER) for name in RULE_FIELDS if name.startswith("weight_")
        }
        widgets.update(
            key_task_points=forms.NumberInput(attrs=NUMBER), base_points=forms.NumberInput(attrs=NUMBER)
        )


class DeductionForm(forms.Form):
    is_active = forms.BooleanField(label=_("启用"), required=False)
    points_per_event = forms.DecimalField(
        label=_("每次扣分"),
        min_value=0,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs=NUMBER),
        error_messages={"min_value": _("每次扣分不能小于 0。"), "invalid": _("请填数字。")},
    )
    cap = forms.DecimalField(
        label=_("最多扣分"),
        min_value=0,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs=NUMBER),
        error_messages={"min_value": _("最多扣分不能小于 0。"), "invalid": _("请填数字。")},
    )
    threshold = forms.IntegerField(
        label=_("天数/每月应报数"),
        min_value=0,
        max_value=9999,
        required=False,
        widget=forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"}),
        error_messages={"min_value": _("不能小于 0。"), "invalid": _("请填整数。")},
    )

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.title = rule.get_code_display()
        self.source = DEDUCTION_HELP[rule.code]
        self.uses_threshold = rule.code in ("late_registration", "info_shortfall")
        if not self.uses_threshold:
            del self.fields["threshold"]


class AdjustmentForm(forms.Form):
    points = forms.DecimalField(
        label=_("加减分"),
        max_digits=6,
        decimal_places=2,
        help_text=_("加分填正数，扣分填负数，如 -1.5。"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={"invalid": _("请填数字，加分填正数，扣分填负数。"), "required": _("请填加减分。")},
    )
    reason = forms.CharField(
        label=_("理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明加减分的理由。")},
    )
