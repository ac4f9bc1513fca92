"""Forms for registration; the service does the domain validation, the forms only parse input."""

import datetime
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.cases.choices import Gender
from xinfang.reference.models import Category, Channel, IdType, Purpose


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AccessibleErrorsMixin:
    """Tie each error message to its field, so a screen reader reads it when the field gets focus."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}_errors"}
                )


class CaseRegisterForm(AccessibleErrorsMixin, forms.Form):
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)
    unit = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ModelChoiceField(
        label=_("信访形式"),
        queryset=Channel.objects.filter(is_active=True, staff_can_register=True),
        to_field_name="code",
        empty_label=None,
    )
    purpose = forms.ModelChoiceField(
        label=_("信访目的"), queryset=Purpose.objects.all(), to_field_name="code", empty_label=None
    )
    received_on = forms.DateField(
        label=_("信访日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("信访内容"), widget=forms.Textarea(attrs={"rows": 6}))
    demands = forms.CharField(label=_("诉求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(
        label=_("内容分类"),
        required=False,
        queryset=Category.objects.filter(version__is_current=True, is_active=True).select_related("parent"),
        empty_label=_("（暂不分类）"),
    )
    issue_address = forms.CharField(label=_("问题发生地"), required=False, max_length=200)
    headcount = forms.IntegerField(label=_("信访人数"), min_value=1, max_value=100000, initial=1)
    is_anonymous = forms.BooleanField(label=_("匿名"), required=False)
    is_urgent = forms.BooleanField(label=_("重大紧急"), required=False)
    is_skip_level = forms.BooleanField(label=_("越级"), required=False)
    is_litigation = forms.BooleanField(label=_("涉法涉诉"), required=False)
    repeat_of = forms.CharField(label=_("重复信访：关联的原信访件编号"), required=False, max_length=24)
    complained_name = forms.CharField(label=_("被反映人或单位"), required=False, max_length=80)
    complained_position = forms.CharField(label=_("职务"), required=False, max_length=60)
    attachments = MultipleFileField(label=_("扫描件（PDF、JPG、PNG）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("信访日期不能晚于今天。"))
        if value < datetime.date(1990, 1, 1):
            raise forms.ValidationError(_("信访日期过早，请核对。"))
        return value


class PetitionerForm(AccessibleErrorsMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    id_type = forms.ModelChoiceField(
        label=_("证件类型"),
        queryset=IdType.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=None,
        initial=IdType.RESIDENT_ID,
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    is_representative = forms.BooleanField(label=_("代表"), required=False)


PetitionerFormSet = forms.formset_factory(PetitionerForm, extra=1, min_num=0, max_num=20, validate_max=True)
