"""Forms of 信息报送. They parse and prefill; the services validate, so pages and API give the same
Chinese messages (a field the browser marks `required` is checked again by the service)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinfang.intake.forms import AccessibleErrorsMixin, MultipleFileField, MultipleFileInput
from xinfang.reporting.choices import AdoptionLevel, SubmissionKind, SubmissionStatus
from xinfang.reporting.periods import parse_period
from xinfang.reporting.submission_files import ACCEPT

PERIOD_HELP = _("月份如 2026-03，季度如 2026-Q1，全年如 2026。")


class SubmissionForm(AccessibleErrorsMixin, forms.Form):
    unit = forms.TypedChoiceField(label=_("报送单位"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=SubmissionKind.choices)
    title = forms.CharField(
        label=_("标题"), max_length=200, required=False, widget=forms.TextInput(attrs={"required": True})
    )
    period = forms.CharField(
        label=_("报送期"),
        max_length=20,
        required=False,
        help_text=PERIOD_HELP,
        widget=forms.TextInput(attrs={"required": True, "list": "period-options", "autocomplete": "off"}),
    )
    is_urgent = forms.BooleanField(
        label=_("紧急（报送后立即通知上级信访局审核人员，并发短信）"), required=False
    )
    body = forms.CharField(
        label=_("正文"),
        max_length=50000,
        required=False,
        help_text=_("每段一行；打印和Word文件中每段首行缩进两字。"),
        widget=forms.Textarea(attrs={"rows": 14, "required": True}),
    )
    attachments = MultipleFileField(
        label=_("附件（PDF、JPG、PNG或Word .docx）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT}),
    )
    remove_attachments = forms.TypedMultipleChoiceField(
        label=_("移除附件"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        if len(units) <= 1:
            self.fields["unit"].widget = forms.HiddenInput()
        if units:
            self.initial.setdefault("unit", units[0].pk)
        choices = [(a.pk, a.original_name) for a in attachments]
        self.fields["remove_attachments"].choices = choices
        if not choices:
            del self.fields["remove_attachments"]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("unit", None)
        return data


class AdoptForm(AccessibleErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    adoption_level = forms.ChoiceField(label=_("采用级别"), choices=AdoptionLevel.choices)
    score = forms.IntegerField(label=_("得分（可不填，0–100）"), required=False, min_value=0, max_value=100)
    note = forms.CharField(
        label=_("采用说明（可不填，如编入哪一期简报）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["expected_version"] = data.pop("version")
        return data


class ReturnForm(AccessibleErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reasons = forms.CharField(
        label=_("退回理由（必填，报送单位据此修改）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
    )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["expected_version"] = data.pop("version")
        return data


REVIEW_FORMS = {"adopt": AdoptForm, "return": ReturnForm}


class SearchForm(forms.Form):
    """The archive's filters (GET); a bad value is simply ignored."""

    label_suffix = ""
    q = forms.CharField(
        label=_("查找：标题或正文中的词"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("输入后按回车")}),
    )
    unit = forms.TypedChoiceField(label=_("报送单位"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *SubmissionKind.choices]
    )
    period = forms.CharField(
        label=_("报送期"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "2026-Q1"}),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *SubmissionStatus.choices]
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("全部单位")), *[(u.pk, u.name) for u in units]]

    def clean_period(self):
        raw = self.cleaned_data.get("period", "").strip()
        if not raw:
            return None
        try:
            return parse_period(raw)
        except ValidationError:
            return None


class SummaryForm(forms.Form):
    label_suffix = ""
    period = forms.CharField(label=_("统计期"), required=False, max_length=20, help_text=PERIOD_HELP)
    since = forms.DateField(
        label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
