"""The Excel import of historical cases (issue 6 §6): one job per uploaded file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    CHECKING = "checking", _("校验中")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    INVALID = "invalid", _("校验未通过，未导入")
    FAILED = "failed", _("导入失败，未导入")


class ImportJob(models.Model):
    """An uploaded .xlsx of historical cases; the worker checks every row, then imports all or nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("导入单位"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to="imports/%Y/%m", max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    rows_checked = models.PositiveIntegerField(_("已校验"), default=0)
    rows_imported = models.PositiveIntegerField(_("已导入"), default=0)
    errors_count = models.PositiveIntegerField(_("错误数"), default=0)
    file_error = models.TextField(_("文件错误"), blank=True)
    report = models.FileField(upload_to="imports/reports/%Y/%m", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.original_name} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.INVALID, ImportStatus.FAILED}

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        done = self.rows_imported if self.status == ImportStatus.IMPORTING else self.rows_checked
        return min(100, done * 100 // self.total_rows)
