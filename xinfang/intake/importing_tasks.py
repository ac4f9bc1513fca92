"""The import job, run by `manage.py worker`."""

import logging

from django_tasks import task

from xinfang.intake.importing import run_job
from xinfang.intake.models import ImportJob

logger = logging.getLogger(__name__)


@task()
def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("unit", "user").filter(pk=job_id).first()
    if job is None:
        logger.warning("import job %s vanished", job_id)
        return "missing"
    job = run_job(job)
    logger.info("import job %s: %s, %s rows, %s errors", job.pk, job.status, job.total_rows, job.errors_count)
    return job.status
