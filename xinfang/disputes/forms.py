"""Forms of the ledger pages: they parse input into the services' arguments; the rules live in services.

Required-ness of domain fields is checked by the services (so the web page and API v1 give the same
Chinese messages); the forms only turn text into dates, ids and codes.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.disputes.choices import PartyKind, RiskLevel
from xinfang.disputes.models import Dispute
from xinfang.disputes.services import DisputeInput, PartyInput
from xinfang.intake.forms import AccessibleErrorsMixin
from xinfang.orgs.models import Unit, User
from xinfang.reference.models import Category, Channel, Purpose


def date_field(label, *, required=False, initial_today=False):
    return forms.DateField(
        label=label,
        required=required,
        initial=timezone.localdate if initial_today else None,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入有效的日期（年-月-日）。")},
    )


def text_field(label, *, required=False, rows=3, max_length=4000, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _ancestor_ids(unit: Unit) -> list[int]:
    return [int(pk) for pk in unit.path.strip("/").split("/") if pk]


def users_of(unit_ids) -> "forms.QuerySet":
    return (
        User.objects.filter(memberships__unit_id__in=unit_ids, is_active=True)
        .distinct()
        .order_by("full_name")
    )


class DisputeForm(AccessibleErrorsMixin, forms.Form):
    unit = forms.ModelChoiceField(
        label=_("排查单位"),
        queryset=Unit.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("只能在您所在单位的台账中登记。")},
    )
    batch = forms.CharField(
        label=_("排查批次（如“2026年11月”，不填则按排查期间生成）"), required=False, max_length=60
    )
    period_start = date_field(_("排查期间起"))
    period_end = date_field(_("排查期间止"))
    found_on = date_field(_("排查日期"), initial_today=True)
    title = forms.CharField(label=_("矛盾纠纷名称"), required=False, max_length=200)
    description = text_field(_("基本情况（起因、涉及人数、当事人诉求、目前状况）"), rows=5)
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.filter(version__is_current=True, is_active=True).order_by("code"),
        required=False,
    )
    risk_level = forms.ChoiceField(
        label=_("风险等级"),
        choices=RiskLevel.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("风险等级应为高、中、低之一。")},
    )
    region = forms.CharField(label=_("发生地区划代码（可不填）"), required=False, max_length=12)
    address = forms.CharField(label=_("发生地"), required=False, max_length=200)
    responsible = forms.ModelChoiceField(label=_("责任人"), queryset=User.objects.none(), required=False)
    leader = forms.ModelChoiceField(
        label=_("包案领导（高风险必填）"), queryset=User.objects.none(), required=False
    )
    due_on = date_field(_("化解期限"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units: list[Unit], dispute: Dispute | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        if dispute is not None:
            del self.fields["unit"]
            units = [dispute.unit]
            self.fields["version"].initial = dispute.version
        else:
            today = timezone.localdate()
            self.fields["period_start"].initial = today.replace(day=1)
            self.fields["period_end"].initial = today
            self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
            if len(units) == 1:
                self.fields["unit"].initial = units[0].pk
                self.fields["unit"].widget = forms.HiddenInput()
        own = [u.pk for u in units]
        above = {pk for u in units for pk in _ancestor_ids(u)}
        self.fields["responsible"].queryset = users_of(own)
        self.fields["leader"].queryset = users_of(above)

    def dispute_input(self) -> DisputeInput:
        data = self.cleaned_data
        return DisputeInput(
            title=data.get("title") or "",
            description=data.get("description") or "",
            risk_level=data.get("risk_level") or "",
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            found_on=data.get("found_on"),
            due_on=data.get("due_on"),
            responsible_id=data["responsible"].pk if data.get("responsible") else None,
            leader_id=data["leader"].pk if data.get("leader") else None,
            batch=data.get("batch") or "",
            category_id=data["category"].pk if data.get("category") else None,
            region_code=data.get("region") or "",
            address=data.get("address") or "",
        )

    @staticmethod
    def initial_for(dispute: Dispute) -> dict:
        return {
            "batch": dispute.batch,
            "period_start": dispute.period_start,
            "period_end": dispute.period_end,
            "found_on": dispute.found_on,
            "title": dispute.title,
            "description": dispute.description,
            "category": dispute.category_id,
            "risk_level": dispute.risk_level,
            "region": dispute.region_id or "",
            "address": dispute.address,
            "responsible": dispute.responsible_id,
            "leader": dispute.leader_id,
            "due_on": dispute.due_on,
        }


class PartyForm(AccessibleErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=PartyKind.choices,
        initial=PartyKind.PERSON,
        error_messages={"invalid_choice": _("当事人类型应为个人或单位。")},
    )
    name = forms.CharField(label=_("姓名或名称"), required=False, max_length=80)
    contact = forms.CharField(label=_("联系电话"), required=False, max_length=30)

    def has_content(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return bool((data.get("name") or "").strip() or (data.get("contact") or "").strip())


PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=50, absolute_max=50)


def parties_of(formset) -> tuple[list[PartyInput], list[int]]:
    """The filled-in party rows (blank spare rows are skipped) and each one's row in the formset."""
    parties, rows = [], []
    for index, form in enumerate(formset.forms):
        if form.is_valid() and form.has_content():
            data = form.cleaned_data
            parties.append(
                PartyInput(kind=data["kind"], name=data.get("name") or "", contact=data.get("contact") or "")
            )
            rows.append(index)
    return parties, rows


# --- Measures and steps --------------------------------------------------------------------------


class StepForm(AccessibleErrorsMixin, forms.Form):
    """Base: carries the version the user saw, so that a concurrent change is detected (409)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_text = ""

    def __init__(self, *args, dispute: Dispute, user, **kwargs):
        self.dispute, self.user = dispute, user
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = dispute.version

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class MeasureForm(StepForm):
    taken_on = date_field(_("日期"), initial_today=True)
    text = text_field(_("采取的化解措施（走访、约谈、调解、协调会等，写清谁、做了什么、结果如何）"))


class NoteForm(StepForm):
    note = text_field(_("说明（可不填）"), rows=2)


class MediateForm(NoteForm):
    confirm_text = _("开始调处：责任人着手化解，台账状态改为“调处中”。")


class ReportForm(NoteForm):
    confirm_text = _("上报后，本单位只能补充化解措施和化解结果，不能再修改登记内容。")


class AcknowledgeForm(NoteForm):
    note = text_field(_("签收意见（可写明要求，如限期化解、加强稳控）"), rows=3)


class ResolveForm(StepForm):
    outcome = text_field(_("化解结果（达成调解协议、问题解决、当事人息诉罢访等）"), rows=4)


class EscalateForm(StepForm):
    outcome = text_field(_("未化解的原因和需要上级协调解决的事项"), rows=4)
    confirm_text = _("“未化解上报”即上报信访部门，上报后本单位只能补充化解措施和化解结果。")


class LinkForm(StepForm):
    case_number = forms.CharField(label=_("信访件编号"), required=False, max_length=24)


class ToPetitionForm(StepForm):
    case_number = forms.CharField(
        label=_("已登记的信访件编号（不填则以个人当事人为信访人，在本单位登记新信访件）"),
        required=False,
        max_length=24,
    )
    channel_code = forms.ModelChoiceField(
        label=_("信访形式（新登记时）"),
        queryset=Channel.objects.filter(is_active=True, staff_can_register=True),
        to_field_name="code",
        initial="visit",
        empty_label=None,
    )
    purpose_code = forms.ModelChoiceField(
        label=_("信访目的（新登记时）"),
        queryset=Purpose.objects.all(),
        to_field_name="code",
        initial="claim",
        empty_label=None,
    )
    outcome = text_field(_("说明（可不填）"), rows=2)

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["channel_code"] = data["channel_code"].code
        data["purpose_code"] = data["purpose_code"].code
        return data


STEP_FORMS = {
    "mediate": MediateForm,
    "resolve": ResolveForm,
    "escalate": EscalateForm,
    "to_petition": ToPetitionForm,
    "link": LinkForm,
    "report": ReportForm,
    "acknowledge": AcknowledgeForm,
}
