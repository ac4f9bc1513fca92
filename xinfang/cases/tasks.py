"""Background jobs on cases, run by `manage.py worker` (durable, database-backed)."""

import logging

from django_tasks import task

from xinfang.cases.services import deadlines_note_overdue, deadlines_recompute_open

logger = logging.getLogger(__name__)


@task()
def recompute_open_deadlines() -> int:
    """After the holiday table changed: move every open working-day deadline to its new date."""
    moved = deadlines_recompute_open()
    logger.info("recomputed open deadlines: %s moved", moved)
    return moved


@task()
def scan_overdue() -> int:
    """Flag the clocks that passed (idempotent; several workers are safe).

    Kept for jobs queued before the deadline scan (`xinfang.supervision.reminders.scan_deadlines`,
    which the worker now runs on its schedule) took this over.
    """
    noted = deadlines_note_overdue()
    logger.info("overdue scan: %s newly overdue", noted)
    return noted


@task()
def run_export(job_id: int) -> str:
    """Write a large case-list export (docs/exports.md)."""
    from xinfang.cases.export_jobs import export_job_run
    from xinfang.cases.models import ExportJob

    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None:
        logger.warning("export job %s vanished", job_id)
        return "missing"
    job = export_job_run(job)
    logger.info("export job %s: %s, %s rows", job.pk, job.status, job.rows_written)
    return job.status


@task()
def export_files_cleanup() -> int:
    """Delete export files older than EXPORT_KEEP_HOURS (periodic; docs/exports.md)."""
    from xinfang.cases.export_jobs import export_jobs_cleanup

    removed = export_jobs_cleanup()
    logger.info("export cleanup: %s old files removed", removed)
    return removed
