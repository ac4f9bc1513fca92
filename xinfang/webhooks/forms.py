"""The subscription form and the delivery log's filters (Chinese labels)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Unit
from xinfang.webhooks.choices import TEST_EVENT, TEST_EVENT_LABEL, DeliveryStatus, EventType


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("接收地址"),
        max_length=500,
        help_text=_("对方系统接收推送的网址，http:// 或 https:// 开头。"),
        widget=forms.URLInput(attrs={"placeholder": "https://oa.example.gov.cn/xinfang/webhook"}),
    )
    event_types = forms.MultipleChoiceField(
        label=_("推送哪些事件"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    units = forms.ModelMultipleChoiceField(
        label=_("只推送这些单位的事件（可不选）"),
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        required=False,
        help_text=_("不选则不限单位；选了某单位即包括其下级单位。"),
    )
    description = forms.CharField(label=_("说明"), max_length=100, required=False)


class SubscriptionEditForm(SubscriptionForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *DeliveryStatus.choices]
    )
    event_type = forms.ChoiceField(
        label=_("事件"),
        required=False,
        choices=[("", _("全部事件")), *EventType.choices, (TEST_EVENT, TEST_EVENT_LABEL)],
    )
    case_number = forms.CharField(label=_("信访件编号"), required=False, max_length=24)
    subscription = forms.IntegerField(required=False, widget=forms.HiddenInput)
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)
