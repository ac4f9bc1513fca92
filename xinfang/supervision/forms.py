"""Forms of 催办, 督办 and 抽查回访: parse input into the services' keyword arguments.

The same forms serve the web pages and API v1 (the API passes its JSON as form data), so both give the
same Chinese messages. Rules about state and permission live in the services.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.cases.choices import EvaluationLevel
from xinfang.cases.forms import date_field, text_field
from xinfang.cases.models import CaseUnit, Evaluation
from xinfang.common.validators import check_upload
from xinfang.intake.forms import AccessibleErrorsMixin, MultipleFileField
from xinfang.orgs.models import Unit, User
from xinfang.supervision.access import callbacks_visible_to, draw_units, supervising_unit_for
from xinfang.supervision.choices import DrawMode, Measure, Trigger
from xinfang.supervision.services import default_reply_due

YES_NO = [("yes", gettext_lazy("是")), ("no", gettext_lazy("否"))]


class BaseForm(AccessibleErrorsMixin, forms.Form):
    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class UrgeForm(BaseForm):
    note = text_field(gettext_lazy("催办意见"), rows=3, max_length=4000)


def supervisable_units(case, user):
    """Units that handled the case (the visibility table) and that the user may supervise."""
    linked = Unit.objects.filter(pk__in=CaseUnit.objects.filter(case=case).values("unit"))
    if case.handling_unit_id:
        linked = linked | Unit.objects.filter(pk=case.handling_unit_id)
    ids = [unit.pk for unit in linked.distinct() if supervising_unit_for(user, unit) is not None]
    return Unit.objects.filter(pk__in=ids).order_by("path")


class SupervisionOpenForm(BaseForm):
    triggers = forms.MultipleChoiceField(
        label=gettext_lazy("督办事由（《信访工作条例》第四十条）"),
        choices=Trigger.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一项督办事由。")},
    )
    target_unit = forms.ModelChoiceField(
        label=gettext_lazy("被督办单位"), queryset=Unit.objects.none(), required=False
    )
    facts = text_field(gettext_lazy("基本情况（督办的事实）"), rows=4)
    requested_action = text_field(gettext_lazy("督办要求（改进工作建议）"), rows=3)
    due_on = date_field(gettext_lazy("回复期限（不填按时限规则计算）"), required=False, initial_today=False)
    is_listed = forms.BooleanField(label=gettext_lazy("挂牌督办（列入领导督办清单）"), required=False)
    evaluation = forms.IntegerField(widget=forms.HiddenInput, required=False)
    callback = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, case, user, evaluation=None, callback=None, **kwargs):
        self.case, self.user = case, user
        super().__init__(*args, **kwargs)
        units = supervisable_units(case, user)
        self.fields["target_unit"].queryset = units
        self.fields["due_on"].initial = default_reply_due(case)
        self.fields["due_on"].help_text = _("默认为收到督办函之日起按时限规则计算的期限，可以修改。")
        if evaluation is not None:
            self._prefill_from_evaluation(evaluation)
        elif callback is not None:
            self._prefill_from_callback(callback)
        elif units:
            holder = units.filter(pk=case.owner_unit_id).first()
            self.fields["target_unit"].initial = holder or units.filter(pk=case.handling_unit_id).first()
        if case.due_on and case.due_on < timezone.localdate() and case.is_open:
            self.fields["triggers"].initial = self.fields["triggers"].initial or [Trigger.OVERDUE]

    def _prefill_from_evaluation(self, evaluation):
        self.fields["evaluation"].initial = evaluation.pk
        self.fields["target_unit"].initial = evaluation.unit_id
        self.fields["triggers"].initial = [Trigger.DISSATISFIED]
        self.fields["facts"].initial = _("信访人对%(unit)s的办理评价为“不满意”%(reason)s") % {
            "unit": evaluation.unit.name,
            "reason": _("，理由：%(r)s") % {"r": evaluation.reason} if evaluation.reason else "",
        }

    def _prefill_from_callback(self, callback):
        call = callback.calls.filter(reached=True).order_by("-id").first()
        self.fields["callback"].initial = callback.pk
        self.fields["target_unit"].initial = callback.unit_id
        unhappy = callback.satisfaction == EvaluationLevel.UNSATISFIED
        self.fields["triggers"].initial = [Trigger.DISSATISFIED if unhappy else Trigger.OTHER]
        said = call.petitioner_said if call else ""
        follow = call.follow_up_note if call else ""
        self.fields["facts"].initial = _("抽查回访发现问题：信访人评价为“%(level)s”。%(said)s%(follow)s") % {
            "level": callback.get_satisfaction_display() or _("未评价"),
            "said": _("信访人反映：%(s)s。") % {"s": said} if said else "",
            "follow": _("需跟进：%(f)s。") % {"f": follow} if follow else "",
        }

    def clean_evaluation(self):
        pk = self.cleaned_data.get("evaluation")
        if not pk:
            return None
        found = Evaluation.objects.filter(pk=pk, case=self.case).select_related("unit").first()
        if found is None:
            raise forms.ValidationError(_("该评价不属于本信访件。"))
        return found

    def clean_callback(self):
        pk = self.cleaned_data.get("callback")
        if not pk:
            return None
        found = callbacks_visible_to(self.user).filter(pk=pk, case=self.case).select_related("unit").first()
        if found is None:
            raise forms.ValidationError(_("该回访任务不存在或不属于本信访件。"))
        return found


class VersionedForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, supervision, user, **kwargs):
        self.supervision, self.user = supervision, user
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = supervision.version

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["expected_version"] = self.cleaned_data.get("version")
        return data


class ReplyForm(VersionedForm):
    text = text_field(gettext_lazy("回复内容（办理和整改情况）"), rows=6)
    attachments = MultipleFileField(label=gettext_lazy("附件（PDF、JPG、PNG，可不传）"), required=False)

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        for upload in files:
            check_upload(upload)  # by content: a clear message and nothing stored
            upload.seek(0)
        return files


class CloseForm(VersionedForm):
    note = text_field(gettext_lazy("审核意见（可不填）"), required=False, rows=2)


class EscalateForm(VersionedForm):
    reason = text_field(gettext_lazy("再次督办的理由"), rows=3)
    measures = forms.MultipleChoiceField(
        label=gettext_lazy("同时采取的措施（《信访工作条例》第三十九条，可不选）"),
        choices=Measure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    requested_action = text_field(gettext_lazy("新的督办要求（不填沿用原要求）"), required=False, rows=3)
    due_on = date_field(
        gettext_lazy("新的回复期限（不填按时限规则计算）"), required=False, initial_today=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = default_reply_due(self.supervision.case)


STEP_FORMS = {"reply": ReplyForm, "close": CloseForm, "escalate": EscalateForm}


# --- 抽查回访 -----------------------------------------------------------------------------------


class DrawForm(BaseForm):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("抽查单位"), queryset=Unit.objects.none(), empty_label=None
    )
    period_start = date_field(gettext_lazy("办结日期自"), initial_today=False)
    period_end = date_field(gettext_lazy("办结日期至"))
    mode = forms.ChoiceField(
        label=gettext_lazy("抽取方式"),
        choices=DrawMode.choices,
        widget=forms.RadioSelect,
        initial=DrawMode.COUNT,
    )
    per_unit_count = forms.IntegerField(
        label=gettext_lazy("每单位抽取件数（按件数时）"),
        required=False,
        min_value=1,
        max_value=1000,
        initial=5,
    )
    share_percent = forms.IntegerField(
        label=gettext_lazy("抽取比例 %（按比例时）"), required=False, min_value=1, max_value=100, initial=10
    )
    seed = forms.IntegerField(
        label=gettext_lazy("随机种子（可不填；填写以前的种子可重现那次抽取）"),
        required=False,
        min_value=0,
        max_value=2**53,
    )
    assignees = forms.ModelMultipleChoiceField(
        label=gettext_lazy("回访人员（任务轮流分配，可不选）"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        units = draw_units(user)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
        self.fields["unit"].initial = units[0].pk if units else None
        self.fields["assignees"].queryset = (
            User.objects.filter(is_active=True, memberships__unit__in=[u.pk for u in units])
            .distinct()
            .order_by("username")
        )
        today = timezone.localdate()
        self.fields["period_start"].initial = today.replace(day=1)
        self.fields["period_end"].initial = today


class CallForm(BaseForm):
    reached = forms.ChoiceField(
        label=gettext_lazy("是否联系上信访人"), choices=YES_NO, widget=forms.RadioSelect, initial="yes"
    )
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("信访人的评价（联系上时必填）"),
        choices=EvaluationLevel.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    petitioner_said = text_field(gettext_lazy("信访人反映的情况（不满意时必填）"), required=False, rows=3)
    follow_up_needed = forms.BooleanField(label=gettext_lazy("需要跟进"), required=False)
    follow_up_note = text_field(gettext_lazy("跟进事项（需要跟进时必填）"), required=False, rows=2)
    give_up = forms.BooleanField(
        label=gettext_lazy("未联系上且不再拨打（任务结束为“无法联系”）"), required=False
    )

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        data["reached"] = data["reached"] == "yes"
        return data


class AssignForm(BaseForm):
    assignee = forms.ModelChoiceField(label=gettext_lazy("回访人员"), queryset=User.objects.none())

    def __init__(self, *args, callback, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, memberships__unit=callback.draw.unit)
            .distinct()
            .order_by("username")
        )
