"""信息报送 (issue 5 §5): submissions of 工作简报 and 信访信息 to the 信访部门 above, their immutable
versions with the 信访局's decision on each, and their attachments.

(The assessment of a later issue adds its own models to this app; these are the submission models.)
The 季度通报 (issue 6 §5) adds `Bulletin` and its immutable `BulletinEvent` at the end.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.common.models import AppendOnly
from xinfang.reporting.choices import (
    AdoptionLevel,
    BulletinAction,
    BulletinStatus,
    SubmissionKind,
    SubmissionStatus,
    VersionOutcome,
)
from xinfang.reporting.periods import period_label


class Submission(models.Model):
    """One item a unit reports upward (报送件), with the text it is working on now.

    While it is a draft, or after it was returned, the unit edits the fields here. Every 报送 freezes
    them into a new `SubmissionVersion`, which is what the 信访局 reviews and what history shows.
    The latest decision is copied here too, so lists and counts need no join.
    """

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("报送至"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=SubmissionKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    period = models.CharField(_("报送期"), max_length=8)
    period_start = models.DateField(_("报送期起"))
    period_end = models.DateField(_("报送期止"))
    is_urgent = models.BooleanField(_("紧急"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("撰稿人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    version_count = models.PositiveSmallIntegerField(_("报送次数"), default=0)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    adoption_level = models.CharField(_("采用级别"), max_length=10, choices=AdoptionLevel.choices, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("报送信息")
        verbose_name_plural = _("报送信息")
        indexes = [
            # 待审核: what was sent to a 信访局 and awaits its decision, urgent and oldest first.
            models.Index(fields=["to_unit", "status", "submitted_at"], name="report_review_queue"),
            # Counts per unit and period (first 报送 in the period), and a unit's own list.
            models.Index(fields=["unit", "first_submitted_at"], name="report_unit_submitted"),
            models.Index(fields=["unit", "updated_at"], name="report_unit_recent"),
            # The archive: newest first, and a period filter by overlap.
            models.Index(fields=["submitted_at", "id"], name="report_archive"),
            models.Index(fields=["period_start", "period_end"], name="report_period"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def is_editable(self) -> bool:
        return self.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def attachment_path(instance: "SubmissionAttachment", filename: str) -> str:
    return f"reports/{instance.submission.created_at:%Y/%m}/{instance.submission_id}/{instance.sha256[:16]}"


class SubmissionAttachment(models.Model):
    """A file of a submission (PDF, JPG, PNG or .docx, checked by content).

    Files that went out with a version stay for good (`detached_at` only takes them off the working
    set); a file never sent may be deleted.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    detached_at = models.DateTimeField(_("移除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报送附件")
        verbose_name_plural = _("报送附件")

    def __str__(self) -> str:
        return self.original_name


class SubmissionVersion(models.Model):
    """One 报送 exactly as it was sent (第N次报送), and the 信访局's decision on it.

    Immutable: the text, files and sender never change after the row is written; the decision fields
    are filled once, when the 信访局 采用 or 退回 this version. `save()` refuses anything else, so a
    returned-and-revised item keeps every earlier version as it was.
    """

    DECISION_FIELDS = frozenset(
        {"outcome", "reviewed_by", "reviewed_at", "adoption_level", "score", "review_note"}
    )

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    kind = models.CharField(_("类别"), max_length=12, choices=SubmissionKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    period = models.CharField(_("报送期"), max_length=8)
    is_urgent = models.BooleanField(_("紧急"), default=False)
    attachments = models.ManyToManyField(SubmissionAttachment, related_name="versions", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(
        _("审核结果"), max_length=10, choices=VersionOutcome.choices, default=VersionOutcome.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    adoption_level = models.CharField(_("采用级别"), max_length=10, choices=AdoptionLevel.choices, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    review_note = models.TextField(_("采用说明或退回理由"), blank=True)

    class Meta:
        verbose_name = _("报送版本")
        verbose_name_plural = _("报送版本")
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="report_version_unique"),
        ]
        indexes = [
            # Counts per unit and period: decisions by kind and time.
            models.Index(fields=["outcome", "reviewed_at"], name="report_version_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.number}次报送）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            fields = set(kwargs.get("update_fields") or ())
            if not fields or not fields <= self.DECISION_FIELDS:
                raise ValidationError(_("报送的历史版本不可修改。"), code="immutable")
        super().save(*args, **kwargs)

    @property
    def period_label(self) -> str:
        return period_label(self.period)


class VolumeRollup(models.Model):
    """数据看板: one complete month's registered cases per (registering unit, channel, category, 问题属地).

    Written only by `dashboard_rollup.volume_rollup_refresh` (the worker); the dashboard reads a month
    from here once a `VolumeRollupMonth` marks it, and counts the current month live (docs/dashboard.md).
    """

    month = models.DateField(_("月份"))
    registering_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("登记单位"), on_delete=models.CASCADE, related_name="+"
    )
    channel = models.ForeignKey(
        "reference.Channel", verbose_name=_("信访形式"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "reference.Category",
        verbose_name=_("内容分类"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    issue_region = models.ForeignKey(
        "orgs.Region", verbose_name=_("问题属地"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    cases = models.PositiveIntegerField(_("件数"))

    class Meta:
        verbose_name = _("信访量月度汇总")
        verbose_name_plural = _("信访量月度汇总")
        indexes = [models.Index(fields=["month", "registering_unit"], name="volume_rollup_month_unit")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.registering_unit_id} {self.cases}"


class VolumeRollupMonth(models.Model):
    """A month whose `VolumeRollup` rows are complete, with the case count they were built from."""

    month = models.DateField(_("月份"), unique=True)
    cases = models.PositiveIntegerField(_("件数"))
    refreshed_at = models.DateTimeField(_("汇总时间"))

    class Meta:
        verbose_name = _("已汇总月份")
        verbose_name_plural = _("已汇总月份")
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.cases}"


# --- 季度通报 (issue 6 §5) ------------------------------------------------------------------------------


class Bulletin(models.Model):
    """A 信访局's bulletin on its units for one period (usually a quarter): 草稿 → 已审核 → 已发布.

    `snapshot` holds the numbers as of `generated_at` (registrations, 信息报送, KPIs, overdue cases and
    scores per unit), so the text never drifts after generation; 重新生成 refreshes it while a draft.
    Which units are named is worked out from the snapshot and `threshold` when the text is rendered.
    The 文号 (`number`) is taken when the bulletin is published, from the papers' per-unit sequence.
    """

    bureau = models.ForeignKey(
        "orgs.Unit", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("通报期"), max_length=8)
    period_start = models.DateField(_("通报期起"))
    period_end = models.DateField(_("通报期止"))
    title = models.CharField(_("标题"), max_length=200)
    opening = models.TextField(_("导语"), blank=True)
    requirements = models.TextField(_("工作要求"), blank=True)
    threshold = models.DecimalField(
        _("点名阈值（%）"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("90.0"),
        help_text=_("及时受理率、按期办结率或满意率低于此值的单位在通报中点名。"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    snapshot = models.JSONField(_("数据快照"), default=dict)
    generated_at = models.DateTimeField(_("数据生成时间"))
    number = models.CharField(_("文号"), max_length=80, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("季度通报")
        verbose_name_plural = _("季度通报")
        ordering = ["-period_start", "-id"]
        constraints = [
            # One bulletin per bureau and period: 重新生成 refreshes it rather than adding a second one.
            models.UniqueConstraint(fields=["bureau", "period"], name="bulletin_bureau_period_unique"),
            models.UniqueConstraint(
                fields=["bureau", "year", "serial"],
                condition=models.Q(serial__isnull=False),
                name="bulletin_number_unique",
            ),
        ]
        indexes = [
            # The lists: a bureau's bulletins, and the published ones of the bureaus above a unit.
            models.Index(fields=["bureau", "status", "period_start"], name="bulletin_bureau_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def is_draft(self) -> bool:
        return self.status == BulletinStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED


class BulletinEvent(AppendOnly):
    """One change of a bulletin (起草, 修改, 重新生成, 审核, 退回修改, 发布): who, when, from/to, what."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=BulletinAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("变更内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报记录")
        verbose_name_plural = _("通报记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.action}"
