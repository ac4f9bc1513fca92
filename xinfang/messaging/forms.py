"""Forms of 信箱审查. They parse and prefill; the services in `screening.py` validate, so the web and
the API give the same Chinese messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.intake.forms import AccessibleErrorsMixin
from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage
from xinfang.messaging.screening import PURPOSE_OF_KIND
from xinfang.reference.models import Category, Purpose


def _text(label, *, rows=4, required=False, max_length=4000, help_text=""):
    attrs = {"rows": rows}
    if required:
        attrs["required"] = True  # the browser says so at once; the service says it again if skipped
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs=attrs),
    )


def _line(label, *, max_length, required=False, **attrs):
    if required:
        attrs["required"] = True
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.TextInput(attrs=attrs)
    )


class MessageForm(AccessibleErrorsMixin, forms.Form):
    def __init__(self, *args, message: InboundMessage, **kwargs):
        self.message = message
        super().__init__(*args, **kwargs)


class AnswerForm(MessageForm):
    answer = _text(_("答复内容（将通知来信人）"), rows=6, required=True)
    publish = forms.BooleanField(label=_("同时发布到“咨询问答”（经负责人审批后公开）"), required=False)
    faq_title = _line(_("公开标题"), max_length=200)
    faq_question = _text(
        _("公开的问题"),
        rows=5,
        help_text=_(
            "已预填来信原文。公开前请删去姓名、电话、身份证号、住址等一切个人信息，并改写成一般性问题。"
        ),
    )
    faq_answer = _text(_("公开的答复（留空则与上面的答复相同）"), rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("faq_title", self.message.title)
        self.initial.setdefault("faq_question", self.message.content)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def _category_chosen_by_client(message) -> int | None:
    """The category an Open311 client picked as its service (docs/open311.md), else none."""
    from xinfang.integrations.models import Open311Request

    if message.source != Source.OPEN311:
        return None
    return Open311Request.objects.filter(message=message).values_list("category_id", flat=True).first()


class ConvertForm(MessageForm):
    purpose = forms.ModelChoiceField(
        label=_("信访目的"), queryset=Purpose.objects.all(), to_field_name="code", empty_label=None
    )
    category = forms.ModelChoiceField(
        label=_("内容分类"),
        required=False,
        queryset=Category.objects.filter(version__is_current=True, is_active=True).select_related("parent"),
        empty_label=_("（暂不分类）"),
    )
    title = _line(_("标题"), max_length=200, required=True)
    content = _text(_("信访内容"), rows=8, required=True, max_length=50000)
    issue_address = _line(_("问题发生地"), max_length=200)
    name = _line(_("信访人姓名"), max_length=40, required=True, autocomplete="off")
    phone = _line(_("联系电话"), max_length=20, autocomplete="off", inputmode="tel")
    id_number = _line(_("身份证号码"), max_length=30, autocomplete="off")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        m = self.message
        self.initial.setdefault("purpose", PURPOSE_OF_KIND.get(m.kind, "claim"))
        self.initial.setdefault("title", (m.title or m.content[:30]).strip())
        for name in ("content", "issue_address", "name", "phone", "id_number"):
            self.initial.setdefault(name, getattr(m, name))
        self.initial.setdefault("category", _category_chosen_by_client(m))
        if m.is_anonymous:
            # 匿名举报: an anonymous 检举控告 case — no petitioner to enter, the purpose is fixed.
            for name in ("name", "phone", "id_number"):
                del self.fields[name]
            self.fields["purpose"].queryset = Purpose.objects.filter(code=Purpose.ACCUSATION)
            self.initial["purpose"] = Purpose.ACCUSATION

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        purpose, category = data.pop("purpose"), data.pop("category")
        return {"purpose_code": purpose.code, "category_id": category.pk if category else None, **data}


class MergeForm(MessageForm):
    case_number = _line(_("并入的信访件编号"), max_length=24, required=True, autocomplete="off")

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class SpamForm(MessageForm):
    reason = _text(
        _("理由（必填，例如：广告、辱骂、无实际内容、重复刷屏）"), rows=3, required=True, max_length=1000
    )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class PublicationForm(AccessibleErrorsMixin, forms.Form):
    """The public text of a 咨询问答 or 公开回复: rewritten by staff without personal data."""

    title = _line(_("公开标题"), max_length=200, required=True)
    question = _text(_("公开的问题（已去除个人信息）"), rows=5, required=True)
    answer = _text(_("公开的答复"), rows=8, required=True)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class WithdrawForm(AccessibleErrorsMixin, forms.Form):
    reason = _text(_("撤回理由"), rows=2, max_length=1000)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


ACTION_FORMS = {
    "answer": AnswerForm,
    "convert": ConvertForm,
    "merge": MergeForm,
    "spam": SpamForm,
}
