"""Admin of the public doors: SMS wording, opt-outs, the outbox (read-only, "retry") and the raw messages."""

import string

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.common.validators import normalize_phone
from xinfang.messaging.models import InboundMessage, OutboundSms, SmsOptOut, SmsTemplate
from xinfang.messaging.sms.encoding import sms_part_count
from xinfang.messaging.sms.outbox import sms_retry

# The placeholders each notice is given by its caller (messaging.services, .screening, .notify): keep in
# step with them. A template key not listed here is checked for well-formed placeholders only.
PLACEHOLDERS = {
    "message_received": ("number", "query_code", "due_on"),
    "message_answered": ("number", "answer"),
    "message_converted": ("number", "case_number", "query_code"),
    "message_merged": ("number", "case_number"),
    "case_registered": ("number", "query_code"),
    "case_accepted": ("number", "unit", "due_on"),
    "opinion_served": ("number", "review_until"),
    "evaluation_invite": ("number", "until"),
    "review_deadline": ("number", "what", "until"),
}


def template_problems(key: str, text: str) -> list[str]:
    """Why a template's text cannot be used: unbalanced braces or placeholders the notice lacks."""
    try:
        fields = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return [_("花括号不成对：占位符应写成 {number} 这样的形式，单独的花括号请写成 {{ 或 }}。")]
    allowed = PLACEHOLDERS.get(key)
    problems = []
    for name in fields:
        if not name.isidentifier():
            problems.append(_("占位符“{%(name)s}”格式不正确。") % {"name": name})
        elif allowed is not None and name not in allowed:
            problems.append(
                _("该模板没有占位符“{%(name)s}”，可用：%(allowed)s。")
                % {"name": name, "allowed": " ".join(f"{{{a}}}" for a in allowed)}
            )
    return problems


class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = ["key", "name", "text", "is_active"]

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("key") or (self.instance.key if self.instance else "")
        problems = template_problems(key, cleaned.get("text") or "")
        if problems:
            raise ValidationError({"text": problems})
        return cleaned


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    """Wording of the notices. They cannot be added or deleted here: switch one off instead."""

    form = SmsTemplateForm
    list_display = ["key", "name", "is_active", "length", "text"]
    list_editable = ["is_active"]

    @admin.display(description=gettext_lazy("字数/条数"))
    def length(self, obj):
        return f"{len(obj.text)} / {sms_part_count(obj.text)}"

    def get_readonly_fields(self, request, obj=None):
        return ["key"] if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        allowed = PLACEHOLDERS.get(obj.key) if obj else None
        if allowed:
            form.base_fields["text"].help_text = _(
                "可用占位符：%(allowed)s。70字以内为一条短信，更长的按每条67字分条发送。"
            ) % {"allowed": " ".join(f"{{{a}}}" for a in allowed)}
        return form

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SmsOptOutForm(forms.ModelForm):
    class Meta:
        model = SmsOptOut
        fields = ["phone"]

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        if not phone:
            raise ValidationError(_("请填写手机号码。"))
        return phone


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    """Phones that get no notices. Staff may add one (asked by phone) or delete one (asked to resume)."""

    form = SmsOptOutForm
    list_display = ["phone", "created_at", "source"]
    search_fields = ["phone"]

    def get_readonly_fields(self, request, obj=None):
        return ["phone", "created_at", "source"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = "admin"
        super().save_model(request, obj, form, change)


@admin.register(OutboundSms)
class OutboundSmsAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows change only by delivery; "retry" queues failed ones again."""

    list_display = [
        "id",
        "phone",
        "template",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    list_filter = ["status", "template"]
    search_fields = ["phone", "gateway_id"]
    actions = ["retry"]
    show_full_result_count = False
    raw_id_fields = ["case", "message"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("messaging.change_outboundsms")

    @admin.action(description=gettext_lazy("重新发送选中的失败短信"), permissions=["retry"])
    def retry(self, request, queryset):
        count = sms_retry(queryset=queryset)
        self.message_user(request, _("已重新排队%(n)d条短信。") % {"n": count}, messages.SUCCESS)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Messages as they arrived, read-only: they are screened in the screening queue, never here."""

    list_display = ["number", "source", "kind", "status", "received_at", "due_on", "screening_unit"]
    list_filter = ["source", "status", "kind"]
    search_fields = ["number", "external_id", "phone"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
