"""Background jobs of the reporting app, run by `manage.py worker`."""

import logging

from django_tasks import task

from xinfang.reporting.dashboard_rollup import volume_rollup_refresh

logger = logging.getLogger(__name__)


@task()
def refresh_volume_rollup() -> int:
    """The 数据看板's monthly rollup: rebuild the complete months that changed (docs/dashboard.md)."""
    months = volume_rollup_refresh()
    logger.info("dashboard rollup: %s month(s) rebuilt", len(months))
    return len(months)
