"""Starting an export: at once up to EXPORT_SYNC_MAX_ROWS rows, else as a worker job (docs/exports.md).

Every written file is audited (`export_cases`: who, which list, its filters, the row count and how
many rows carried personal data in full); every download of a job's file too (`export_download`).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.exports import ExportInputError, ExportRequest, cases_workbook_file, export_filename
from xinfang.cases.models import ExportJob, ExportStatus
from xinfang.common.services import audit_record


@dataclass
class ExportStarted:
    """Either a file to send now (`spool`, `filename`) or a queued `job`."""

    spool: object = None
    filename: str = ""
    job: ExportJob | None = None
    rows: int = 0


def export_start(*, user, request: ExportRequest, http_request=None, via: str = "web") -> ExportStarted:
    total = request.queryset.order_by().count()
    if total > settings.EXPORT_MAX_ROWS:
        raise ExportInputError(
            _("共 %(n)s 件，超过一次导出 %(max)s 件的上限，请缩小范围（如缩短日期或选择单位）。")
            % {"n": total, "max": settings.EXPORT_MAX_ROWS}
        )
    if total > settings.EXPORT_SYNC_MAX_ROWS:
        return ExportStarted(
            job=export_job_submit(user=user, request=request, total=total, http_request=http_request, via=via)
        )
    spool, detail = cases_workbook_file(user=user, request=request)
    _audit_export(user, request, detail, http_request=http_request, via=via)
    return ExportStarted(spool=spool, filename=export_filename(request.title), rows=detail["rows"])


def _audit_export(user, request: ExportRequest, detail: dict, *, http_request=None, via="web", job=None):
    audit_record(
        user=user,
        action="export_cases",
        object_type="cases.case",
        object_id=request.source,
        detail={**detail, "title": request.title, **({"job": job.pk} if job else {})},
        request=http_request,
        via=via,
    )


@transaction.atomic
def export_job_submit(*, user, request: ExportRequest, total: int, http_request=None, via="web") -> ExportJob:
    from xinfang.cases.tasks import run_export

    job = ExportJob.objects.create(
        user=user, source=request.source, title=request.title[:100], params=request.filters, total_rows=total
    )
    audit_record(
        user=user,
        action="export_cases_queued",
        obj=job,
        detail={"source": request.source, "filters": request.filters, "rows": total},
        request=http_request,
        via=via,
    )
    transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job


def export_job_run(job: ExportJob) -> ExportJob:
    """Rebuild the list with the requester's visibility today, write it to storage, note progress."""
    from xinfang.cases.exports import rebuild_request

    if job.is_finished:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows)

    try:
        request = rebuild_request(job.user, job.source, job.params)
        spool, detail = cases_workbook_file(user=job.user, request=request, progress=progress)
        with spool:
            job.file.save(f"export-{job.pk}.xlsx", File(spool), save=False)
    except ExportInputError as error:  # e.g. a unit removed since: say so, write nothing
        return _finish(job, status=ExportStatus.FAILED, error=str(error))
    _audit_export(job.user, request, detail, via="job", job=job)
    return _finish(job, status=ExportStatus.DONE, rows_written=detail["rows"], total_rows=detail["rows"])


def _finish(job: ExportJob, **fields) -> ExportJob:
    for name, value in fields.items():
        setattr(job, name, value)
    job.finished_at = timezone.now()
    job.save()
    return job


def get_export_job_for(user, pk: int) -> ExportJob:
    """Only the user who asked sees a job or its file; everyone else gets 404 (style.md §8)."""
    job = ExportJob.objects.filter(pk=pk, user_id=user.pk).first() if user.is_authenticated else None
    if job is None:
        raise Http404(_("导出文件不存在或无权查看。"))
    return job


def export_job_download(*, user, job: ExportJob, http_request=None, via="web"):
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404(_("导出文件尚未生成或已清理。"))
    audit_record(
        user=user,
        action="export_download",
        obj=job,
        detail={"rows": job.rows_written},
        request=http_request,
        via=via,
    )
    return job.file.open("rb")


def export_jobs_cleanup(now: datetime.datetime | None = None) -> int:
    """Delete export jobs (and their files) older than EXPORT_KEEP_HOURS; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    removed = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
