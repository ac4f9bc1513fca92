"""Editing the wording of papers: audited, checked on save, previewed with made-up data."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from xinfang.common.services import audit_record
from xinfang.documents import converters  # noqa: F401  (registers <docfmt:…>)
from xinfang.documents.choices import EXTRA_KEYS, DocKind
from xinfang.documents.models import DocumentTemplate
from xinfang.documents.rendering import DOCX_MIME, PDF_MIME, TemplateProblem, render_document
from xinfang.documents.services import Delivery, template_restore_default, template_sample
from xinfang.documents.snapshot import sample_snapshot
from xinfang.documents.views import delivery_response
from xinfang.orgs.admin import AuditedAdmin

VARIABLES_HELP = (
    ("{{ case.number }} {{ case.query_code }} {{ case.title }}", _("信访件编号、查询码、标题")),
    ("{{ case.summary }} {{ case.demands }}", _("内容摘要（前300字）、诉求")),
    ("{{ case.received_on|cndate }} {{ case.channel }} {{ case.purpose }}", _("信访日期、形式、目的")),
    (
        "{{ petitioner.name }} {{ petitioner.phone }} {{ petitioner.address }} {{ petitioner.id_number }}",
        _("主访人姓名、电话、住址、证件号码（检举控告类对承办单位自动隐去）"),
    ),
    ("{{ petitioner_names }} {% for p in petitioners %}…{% endfor %}", _("全部信访人")),
    ("{{ unit.name }} {{ doc.number }} {{ doc.issued_on|cndate }}", _("制发单位、文号、制发日期")),
    ("{{ extra.… }}", _("本环节数据，各文书种类可用的项目见下")),
    ("|cndate |sentence |joincn", _("日期写成“2026年3月5日”；句末补句号；列表用顿号连接")),
)


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["title", "body"]
        widgets = {
            "title": forms.TextInput(attrs={"size": 90}),
            "body": forms.Textarea(attrs={"rows": 28, "cols": 100}),
        }


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(AuditedAdmin):
    form = DocumentTemplateForm
    list_display = ["kind", "title", "updated_by", "updated_at"]
    readonly_fields = ["kind", "variables", "preview", "updated_by", "updated_at"]
    fields = ["kind", "title", "body", "variables", "preview", "updated_by", "updated_at"]
    actions = ["restore_defaults"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 28})}}

    def has_add_permission(self, request):
        return False  # one row per kind, seeded by migration; "恢复默认模板" resets a row

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user if request.user.is_authenticated else None
        super().save_model(request, obj, form, change)

    @admin.display(description=_("可用变量"))
    def variables(self, obj):
        rows = format_html_join("", "<li><code>{}</code>：{}</li>", VARIABLES_HELP)
        extra = ", ".join(EXTRA_KEYS.get(obj.kind, ())) if obj else ""
        return format_html("<ul>{}</ul><p>{}<code>{}</code></p>", rows, _("本文书的 extra 项目："), extra)

    @admin.display(description=_("预览（示例数据）"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return "—"
        try:
            rendered = render_document(obj.title, obj.body, sample_snapshot(obj.kind))
        except TemplateProblem as exc:
            return format_html('<p class="errornote">{}</p>', "；".join(exc.messages))
        paragraphs = format_html_join(
            "",
            '<p style="margin:.2em 0;{}">{}</p>',
            (("" if b.flush else "text-indent:2em", b.text) for b in rendered.blocks),
        )
        return format_html(
            '<div style="max-width:42em;border:1px solid #ccc;padding:1em 2em;background:#fff">'
            '<p style="text-align:center;font-weight:bold;font-size:1.3em">{}</p>'
            '<p style="text-align:center">{}</p>{}'
            '<p style="text-align:right">{}<br>{}</p></div>'
            '<p><a href="{}">{}</a> · <a href="{}">{}</a></p>',
            rendered.title,
            rendered.number,
            paragraphs,
            rendered.unit,
            rendered.date,
            reverse("admin:documents_documenttemplate_sample", args=[obj.pk, "docx"]),
            _("下载示例 Word"),
            reverse("admin:documents_documenttemplate_sample", args=[obj.pk, "pdf"]),
            _("下载示例 PDF"),
        )

    @admin.action(description=_("恢复默认模板"))
    def restore_defaults(self, request, queryset):
        for template in queryset:
            template_restore_default(template=template, actor=request.user)
            audit_record(
                user=request.user,
                action="admin_change",
                obj=template,
                detail={"restored_default": True},
                request=request,
            )
        self.message_user(
            request, _("已恢复 %(n)s 个文书模板的默认内容。") % {"n": queryset.count()}, messages.SUCCESS
        )

    def get_urls(self):
        sample = self.admin_site.admin_view(self.sample_view)
        return [
            path("<int:pk>/sample.<docfmt:fmt>", sample, name="documents_documenttemplate_sample"),
            *super().get_urls(),
        ]

    def sample_view(self, request, pk: int, fmt: str):
        if not self.has_view_permission(request):
            raise PermissionDenied
        template = get_object_or_404(DocumentTemplate, pk=pk)
        try:
            content = template_sample(kind=template.kind, title=template.title, body=template.body, fmt=fmt)
        except TemplateProblem as exc:
            raise Http404("；".join(exc.messages)) from exc
        label = DocKind(template.kind).label
        return delivery_response(
            Delivery(
                content=content,
                file=None,
                filename=f"{label}（示例）.{fmt}",
                content_type=PDF_MIME if fmt == "pdf" else DOCX_MIME,
                masked=False,
            )
        )
