"""Official papers (文书): editable templates, per-unit numbering and the immutable issued documents."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.documents.choices import DocKind


class ImmutableDocument(Exception):
    pass


class DocumentTemplate(models.Model):
    """The wording of one kind of paper: a title line and a body, both Django template text.

    Paragraphs of the body are separated by a blank line. A template that cannot render a document
    is refused when it is saved (see `clean`), so issuing never fails on a typo.
    """

    kind = models.CharField(_("文书种类"), max_length=24, choices=DocKind.choices, unique=True)
    title = models.CharField(
        _("标题模板"), max_length=300, help_text=_("例如：关于{{ petitioner.name }}信访事项的处理意见")
    )
    body = models.TextField(_("正文模板"), help_text=_("段落之间空一行。可用的变量见下方说明。"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self):
        from xinfang.documents.rendering import check_template
        from xinfang.documents.snapshot import sample_snapshot

        if self.kind in DocKind.values:
            check_template(self.title, self.body, sample_snapshot(self.kind))


class DocumentSeq(models.Model):
    """The last serial a unit used for one kind of paper in one year; bumped under a row lock."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=DocKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("文号序列")
        verbose_name_plural = _("文号序列")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="document_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.kind}:{self.year}:{self.last}"


def document_path(instance: "CaseDocument", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1]
    return (
        f"documents/{instance.year}/{instance.case.number}/"
        f"{instance.kind}-{instance.unit_id}-{instance.serial}.{extension}"
    )


class CaseDocument(models.Model):
    """One issued paper, stored with its case; immutable like CaseEvent.

    `snapshot` is the full rendering context (dates as ISO strings) and the template text used, so
    that a masked copy can be rendered later with the same wording. The only change ever made is
    filling `pdf` once, by a conditional UPDATE (see services.document_pdf_ensure).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("文书种类"), max_length=24, choices=DocKind.choices)
    number = models.CharField(_("文号"), max_length=80)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("制发单位"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("标题"), max_length=300)
    masked_title = models.CharField(_("标题（隐去信访人身份）"), max_length=300)
    snapshot = models.JSONField(_("内容快照"), default=dict)
    title_template = models.CharField(max_length=300)
    body_template = models.TextField()
    docx = models.FileField(_("Word 文件"), upload_to=document_path, max_length=200)
    pdf = models.FileField(_("PDF 文件"), upload_to=document_path, max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("制发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("制发时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "year", "serial"],
                name="case_document_number_unique",
                violation_error_message=_("该文号已被使用。"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableDocument("CaseDocument rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocument("CaseDocument rows are immutable.")

    @property
    def issued_on(self) -> str:
        return self.snapshot.get("doc", {}).get("issued_on", "")

    @property
    def identity_removed(self) -> bool:
        """The stored files carry no petitioner identity (unit-addressed papers of 检举控告 cases)."""
        return bool(self.snapshot.get("identity_masked"))
