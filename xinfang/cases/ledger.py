"""信访件台账 (issue 6 §6): the cases of a unit over a period, by channel and state, for export.

A unit's ledger holds the cases linked to it or to a unit below it (registered there, sent there,
handled there: the `CaseUnit` table), within the user's own visibility (`cases_visible_to`).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.cases.access import cases_visible_to
from xinfang.cases.choices import CaseStatus
from xinfang.cases.models import Case, CaseUnit
from xinfang.orgs.access import sees_everything, visible_unit_ids
from xinfang.orgs.models import Unit
from xinfang.reference.models import Channel

MAX_SPAN_DAYS = 3 * 366
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STATES = (
    ("", gettext_lazy("全部")),
    ("open", gettext_lazy("未办结")),
    ("closed", gettext_lazy("已办结")),
    *CaseStatus.choices,
)


class LedgerForm(forms.Form):
    received_from = forms.DateField(label=gettext_lazy("信访日期自"), widget=DATE)
    received_to = forms.DateField(label=gettext_lazy("信访日期至"), widget=DATE)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("单位"), queryset=Unit.objects.none(), error_messages={"invalid_choice": ""}
    )
    subtree = forms.BooleanField(label=gettext_lazy("含下级单位"), required=False)
    channel = forms.ModelChoiceField(
        label=gettext_lazy("信访形式"), queryset=Channel.objects.all(), required=False
    )
    state = forms.ChoiceField(label=gettext_lazy("状态"), choices=STATES, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).order_by("path")
        if not sees_everything(user):
            units = units.filter(pk__in=visible_unit_ids(user))
        self.fields["unit"].queryset = units
        self.fields["unit"].error_messages["invalid_choice"] = _("没有这个单位，或您无权查看它的台账。")

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
            if (end - start).days > MAX_SPAN_DAYS:
                raise forms.ValidationError(_("一次最多导出三年的台账，请缩短日期范围。"))
        return data


def ledger_form(user, params) -> LedgerForm:
    return LedgerForm(user, {key: value for key, value in params.items()})


def ledger_initial(unit) -> dict:
    today = timezone.localdate()
    return {"received_from": today.replace(day=1), "received_to": today, "unit": unit, "subtree": True}


def ledger_queryset(user, data: dict):
    unit = data["unit"]
    units = (
        Unit.objects.filter(path__startswith=unit.path)
        if data.get("subtree")
        else Unit.objects.filter(pk=unit.pk)
    )
    linked = CaseUnit.objects.filter(unit__in=units).values("case_id")
    cases = Case.objects.filter(
        received_on__gte=data["received_from"], received_on__lte=data["received_to"], pk__in=linked
    )
    if data.get("channel"):
        cases = cases.filter(channel=data["channel"])
    state = data.get("state")
    if state == "open":
        cases = cases.filter(is_open=True)
    elif state == "closed":
        cases = cases.filter(is_open=False)
    elif state:
        cases = cases.filter(status=state)
    return cases_visible_to(user, cases.order_by("-id"))


def ledger_count(user, data: dict) -> int:
    """How many cases the ledger holds (shown before 导出Excel, so a huge export is not a surprise)."""
    return ledger_queryset(user, data).order_by().count()
