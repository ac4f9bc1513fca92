"""One form per workflow step: parse the input into the step service's keyword arguments.

The same forms serve the web page and API v1 (the API passes its JSON as form data), so both give the
same Chinese messages. Domain rules (windows, once-only, who may act) live in the services.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.cases.choices import (
    DiversionRoute,
    EvaluationLevel,
    EvaluationSource,
    EvaluationTarget,
    OpinionOutcome,
    ServiceMethod,
)
from xinfang.cases.models import Case
from xinfang.cases.workflow import answering_unit, is_above
from xinfang.intake.forms import AccessibleErrorsMixin, MultipleFileField
from xinfang.orgs.models import Unit

DECISIONS = [("yes", _("同意")), ("no", _("不同意"))]


def date_field(label, *, required=True, initial_today=True):
    return forms.DateField(
        label=label,
        required=required,
        initial=timezone.localdate if initial_today else None,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def text_field(label, *, required=True, rows=3, initial=None, max_length=4000):
    return forms.CharField(
        label=label,
        required=required,
        initial=initial,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(AccessibleErrorsMixin, forms.Form):
    """Base: carries the case version the user saw, so that a concurrent change is detected."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_text = ""  # a form with no fields shows this sentence above its button

    def __init__(self, *args, case: Case, user, **kwargs):
        self.case, self.user = case, user
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = case.version

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def _receiving_units(case: Case):
    """Units a 信访部门 may pass a case to: active units below it (属地管理、分级负责, §22)."""
    holder = case.owner_unit
    return (
        Unit.objects.filter(is_active=True, path__startswith=holder.path)
        .exclude(pk=holder.pk)
        .order_by("path")
    )


class DispatchForm(ActionForm):
    to_unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    copies = forms.ModelMultipleChoiceField(
        label=_("抄送单位（可不选）"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assisting = forms.ModelMultipleChoiceField(
        label=_("协办单位（可不选）"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = text_field(_("交转意见"), required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = _receiving_units(self.case)
        for name in ("to_unit", "copies", "assisting"):
            self.fields[name].queryset = units

    def clean(self):
        data = super().clean()
        main = data.get("to_unit")
        if main and (main in (data.get("copies") or []) or main in (data.get("assisting") or [])):
            self.add_error("to_unit", _("承办单位不必再选为抄送或协办单位。"))
        return data


class TransferForm(DispatchForm):
    pass


class AssignForm(DispatchForm):
    due_on = date_field(_("办理期限（交办单写明的期满日）"), initial_today=False)

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on <= timezone.localdate():
            raise forms.ValidationError(_("交办期限必须晚于今天。"))
        return due_on


class AcceptForm(ActionForm):
    accepted_on = date_field(_("受理日期（不填为今天）"), required=False)
    route = text_field(
        _("处理途径和程序（写入受理告知书）"),
        required=False,
        initial=_("本机关将依照《信访工作条例》规定的程序调查处理，并自受理之日起60日内出具处理意见。"),
    )


class InformForm(ActionForm):
    reason = text_field(_("告知理由"))
    route = text_field(_("应向哪个机关提出"), rows=2)
    basis = forms.CharField(label=_("依据（可不填）"), required=False, max_length=200)


class DivertForm(ActionForm):
    route_code = forms.ChoiceField(label=_("导入哪个法定程序"), choices=DiversionRoute.choices)
    to_body = forms.CharField(label=_("具体机关（可不填）"), required=False, max_length=100)
    reason = text_field(_("理由"))


class NotAcceptForm(ActionForm):
    reason = text_field(_("不予受理的理由"))
    basis = forms.CharField(label=_("法律政策依据"), max_length=200)
    route = text_field(_("告知信访人的途径（可不填）"), required=False, rows=2)


class NoLongerAcceptForm(ActionForm):
    final_case_number = forms.CharField(label=_("已终结的原信访件编号"), max_length=24)
    reason = text_field(_("理由"), initial=_("信访人以同一事实和理由再次提出，该事项已经复核终结。"))
    basis = forms.CharField(label=_("依据（可不填）"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earlier = self.case.repeat_of
        if earlier is not None and earlier.status == "final":
            self.fields["final_case_number"].initial = earlier.number

    def clean_final_case_number(self):
        from xinfang.cases.access import cases_visible_to

        number = self.cleaned_data["final_case_number"].strip()
        final = cases_visible_to(self.user).filter(number=number).first()
        if final is None:
            raise forms.ValidationError(_("找不到编号为%(number)s的信访件。") % {"number": number})
        return final

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["final_case"] = data.pop("final_case_number")
        return data


class ArchiveForm(ActionForm):
    reason = text_field(_("存档理由"), rows=2)


class SplitForm(ActionForm):
    title = forms.CharField(label=_("另一事项的标题"), max_length=200)
    content = text_field(_("另一事项的内容"), rows=4)
    demands = text_field(_("诉求（可不填）"), required=False, rows=2)

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        return {"parts": [data]}


class SignForm(ActionForm):
    confirm_text = _("确认本单位已收到此件。签收后请在15日内决定是否受理并告知信访人。")


class ObjectForm(ActionForm):
    reason = text_field(_("退回理由（为什么不属于本单位职权范围）"))


class NoteForm(ActionForm):
    text = text_field(_("办理情况（调查、走访、协调等）"), rows=4)
    attachments = MultipleFileField(label=_("附件（PDF、JPG、PNG，可不传）"), required=False)

    def clean_attachments(self):
        from xinfang.common.validators import check_upload

        files = self.cleaned_data["attachments"]
        for upload in files:
            check_upload(upload)  # by content, not by name: a clear message and nothing stored
            upload.seek(0)
        return files


class ExtensionRequestForm(ActionForm):
    days = forms.IntegerField(label=_("延长天数（最多30日）"), min_value=1, max_value=30, initial=30)
    reason = text_field(_("延期理由（将写入延期告知书）"))


class DecideForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("审批结果"), choices=DECISIONS, widget=forms.RadioSelect, initial="yes"
    )
    note = text_field(_("审批意见（不同意时必填）"), required=False, rows=2)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "no" and not (data.get("note") or "").strip():
            self.add_error("note", _("不同意时请写明理由。"))
        return data

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["approve"] = data.pop("decision") == "yes"
        return data


class OpinionDraftForm(ActionForm):
    outcome = forms.ChoiceField(label=_("处理结论"), choices=OpinionOutcome.choices, widget=forms.RadioSelect)
    facts = text_field(_("查明的事实"), rows=4)
    basis = text_field(_("法律政策依据"), rows=2)
    text = text_field(_("处理意见"), rows=4)


class ServeForm(ActionForm):
    method = forms.ChoiceField(
        label=_("送达方式"), choices=ServiceMethod.choices, initial=ServiceMethod.IN_PERSON
    )
    served_on = date_field(_("送达日期"))
    refused = forms.BooleanField(label=_("信访人拒绝签收"), required=False)
    petitioner_opinion = text_field(_("信访人意见（可不填）"), required=False, rows=2)


class SettleForm(ActionForm):
    agreement = text_field(_("调解（和解）协议的主要内容"), rows=4)


class ReportSubmitForm(ActionForm):
    text = text_field(_("办理情况和结果"), rows=5)
    contact = forms.CharField(label=_("联系人及电话"), required=False, max_length=80)


class ReportDecideForm(DecideForm):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("yes", _("认定办结")), ("no", _("退回重办"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    rework_due_on = date_field(_("重办期限（退回时必填）"), required=False, initial_today=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "no" and not data.get("rework_due_on"):
            self.add_error("rework_due_on", _("退回重办时请指定期限。"))
        return data


class EvaluateForm(ActionForm):
    target = forms.ChoiceField(
        label=_("评价对象"), choices=EvaluationTarget.choices, widget=forms.RadioSelect
    )
    level = forms.ChoiceField(
        label=_("信访人的评价"), choices=EvaluationLevel.choices, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(
        label=_("评价途径"), choices=EvaluationSource.choices, initial=EvaluationSource.PHONE
    )
    reason = text_field(_("信访人说的理由（不满意时必填）"), required=False, rows=2)

    def clean(self):
        data = super().clean()
        if data.get("level") == EvaluationLevel.UNSATISFIED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("不满意时请记录信访人的理由。"))
        return data


class ReviewRequestForm(ActionForm):
    requested_on = date_field(_("信访人提出申请的日期"))
    review_unit = forms.ModelChoiceField(label=_("受理申请的机关"), queryset=Unit.objects.none())
    reason = text_field(_("申请理由"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answered = answering_unit(self.case)
        above = [u.pk for u in Unit.objects.filter(is_active=True) if is_above(u, answered)]
        queryset = Unit.objects.filter(pk__in=above).order_by("-path")
        self.fields["review_unit"].queryset = queryset
        self.fields["review_unit"].initial = queryset.first()


class HearingStartForm(ActionForm):
    started_on = date_field(_("听证开始日期"))
    note = text_field(_("说明（可不填）"), required=False, rows=2)


class HearingEndForm(ActionForm):
    ended_on = date_field(_("听证结束日期"))
    note = text_field(_("说明（可不填）"), required=False, rows=2)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "transfer": TransferForm,
    "assign": AssignForm,
    "accept": AcceptForm,
    "inform": InformForm,
    "divert": DivertForm,
    "not_accept": NotAcceptForm,
    "no_longer_accept": NoLongerAcceptForm,
    "archive": ArchiveForm,
    "split": SplitForm,
    "sign": SignForm,
    "object": ObjectForm,
    "note": NoteForm,
    "extension_request": ExtensionRequestForm,
    "extension_decide": DecideForm,
    "opinion_draft": OpinionDraftForm,
    "opinion_decide": DecideForm,
    "serve": ServeForm,
    "settle": SettleForm,
    "report_submit": ReportSubmitForm,
    "report_decide": ReportDecideForm,
    "evaluate": EvaluateForm,
    "recheck_request": ReviewRequestForm,
    "rereview_request": ReviewRequestForm,
    "hearing_start": HearingStartForm,
    "hearing_end": HearingEndForm,
}
