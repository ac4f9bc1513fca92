"""The portal's forms: what a citizen types, checked early with the same Chinese messages as the service.

`message_receive` validates again (it is the one way in for every channel); the form only catches
mistakes before the captcha is spent, and keeps what was typed when the page comes back.
"""

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.cases.choices import EvaluationLevel, EvaluationTarget
from xinfang.common.validators import check_upload, normalize_phone, normalize_resident_id
from xinfang.messaging.choices import MessageKind
from xinfang.messaging.services import MAX_CONTENT, MAX_TITLE

NAME_MARKS = set("·•．.-'’ ")
ALLOWED_CONTROLS = set("\t\n\r")


def no_control_characters(value: str) -> None:
    """Refuse invisible control characters (pasted from odd sources, or sent by scripts)."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") and char not in ALLOWED_CONTROLS:
            raise ValidationError(_("不能包含看不见的控制字符，请删除后重新填写。"), code="control")


def plain_name(value: str) -> None:
    """A person's name in any script (汉字, ئۇيغۇرچە, Latin …) with spaces and 间隔号, nothing else."""
    for char in value:
        if not (unicodedata.category(char)[0] in "LM" or char in NAME_MARKS):
            raise ValidationError(_("姓名只能填写文字，不能包含数字、符号或表情。"), code="name_chars")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _text(label, *, required=False, max_length=None, **attrs) -> forms.CharField:
    messages = {"required": gettext_lazy("请填写%(label)s。") % {"label": label}}
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages=messages,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs=attrs),
    )


class LetterForm(forms.Form):
    """县长信箱: a letter to the county head (and, without `kind`, the 在线咨询 form)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=MessageKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择类型。"),
            "invalid_choice": gettext_lazy("请选择类型。"),
        },
    )
    is_anonymous = forms.BooleanField(
        label=gettext_lazy("匿名举报（仅“举报”可以匿名，可不填姓名和手机）"), required=False
    )
    name = _text(gettext_lazy("姓名"), max_length=40, autocomplete="name")
    phone = _text(gettext_lazy("手机号码"), max_length=20, autocomplete="tel", inputmode="tel", type="tel")
    id_number = _text(gettext_lazy("身份证号（选填）"), max_length=30, autocomplete="off")
    title = _text(gettext_lazy("标题"), required=True, max_length=MAX_TITLE)
    content = forms.CharField(
        label=gettext_lazy("内容"),
        validators=[no_control_characters],
        error_messages={"required": gettext_lazy("请填写内容。")},
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_CONTENT, "data-count": MAX_CONTENT}),
    )
    issue_address = _text(gettext_lazy("问题发生地（选填）"), max_length=200)
    attachments = MultipleFileField(
        label=gettext_lazy("附件（选填）"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    consent_publish = forms.BooleanField(
        label=gettext_lazy("同意将答复（去除个人信息后）在网上公开"), required=False
    )
    captcha_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    captcha = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=8,
        error_messages={"required": gettext_lazy("请输入验证码。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, consult: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.consult = consult
        if consult:
            del self.fields["kind"]
            del self.fields["is_anonymous"]
            self.fields["title"].label = _("问题标题")
            self.fields["content"].label = _("咨询内容")
        self.max_files = min(settings.PORTAL_ATTACHMENT_MAX_COUNT, settings.ATTACHMENT_MAX_COUNT)
        self.fields["attachments"].help_text = _("PDF、JPG或PNG格式，最多%(n)d个，每个不超过%(mb)dMB。") % {
            "n": self.max_files,
            "mb": settings.ATTACHMENT_MAX_MB,
        }
        self.fields["content"].help_text = _("最多%(n)d字。") % {"n": MAX_CONTENT}

    def anonymous_report(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("is_anonymous")) and data.get("kind") == MessageKind.REPORT

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        plain_name(name)
        return name

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"].strip()
        return normalize_resident_id(raw) if raw else ""

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if len(content) > MAX_CONTENT:
            raise ValidationError(_("内容最多%(n)d字，请精简或分几次提交。") % {"n": MAX_CONTENT})
        return content

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if files and not self.max_files:
            raise ValidationError(_("本网站不接收附件，请用文字说明。"))
        if len(files) > self.max_files:
            raise ValidationError(_("附件最多%(n)d个。") % {"n": self.max_files})
        errors = []
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files

    def clean(self):
        data = super().clean()
        if self.consult:
            data["kind"] = MessageKind.CONSULT
        if not self.anonymous_report():
            data["is_anonymous"] = False
            if "name" in data and not data["name"]:
                self.add_error("name", _("请填写姓名（匿名举报除外）。"))
            if "phone" in data and not data["phone"]:
                self.add_error("phone", _("请填写手机号码，以便接收编号和答复（匿名举报除外）。"))
        return data

    def letter_fields(self) -> dict:
        data = self.cleaned_data
        names = ("kind", "name", "phone", "id_number", "is_anonymous", "title", "content", "issue_address")
        fields = {name: data.get(name) for name in names}
        fields["consent_publish"] = data.get("consent_publish", False)
        return fields


class TrackForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("编号"),
        max_length=40,
        help_text=gettext_lazy("留言编号（以W开头）或信访件编号"),
        error_messages={"required": gettext_lazy("请填写编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=20,
        help_text=gettext_lazy("10位数字"),
        error_messages={"required": gettext_lazy("请填写查询码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class EvaluationForm(forms.Form):
    target = forms.ChoiceField(choices=EvaluationTarget.choices, widget=forms.HiddenInput)
    level = forms.ChoiceField(
        label=gettext_lazy("评价"),
        choices=EvaluationLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择满意、基本满意或不满意。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("意见或理由（选填）"),
        required=False,
        max_length=1000,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("申请理由"),
        max_length=2000,
        validators=[no_control_characters],
        error_messages={"required": gettext_lazy("请写明申请理由。")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)
