"""Cross-cutting records: the audit log of who saw or changed what."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Every view of personal data and every administrative change (DESIGN.md §4 Privacy)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=40)
    object_type = models.CharField(_("对象类型"), max_length=40)
    object_id = models.CharField(_("对象"), max_length=40)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    via = models.CharField(_("渠道"), max_length=10, default="web")

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at} {self.user_id} {self.action} {self.object_type}:{self.object_id}"


class PeriodicRun(models.Model):
    """When a periodic job is next due; workers claim a run with a conditional UPDATE (no double runs)."""

    name = models.CharField(max_length=80, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name


class ImmutableError(Exception):
    """An attempt to change or delete an append-only row (events, measures, calls)."""


class AppendOnly(models.Model):
    """A row written once and never changed or deleted: the audit trail of a case, a dispute, a call.

    Bulk `QuerySet.update()`/`.delete()` bypass this on purpose (data fixes by an administrator).
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} rows are immutable.")
