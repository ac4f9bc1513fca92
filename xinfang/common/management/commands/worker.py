"""The job worker: enqueues due periodic jobs, then runs queued jobs; several may run side by side."""

import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from xinfang.common.periodic import enqueue_due_jobs

logger = logging.getLogger("xinfang.worker")


class Command(BaseCommand):
    help = "运行后台任务（时限扫描、时限重算等）。可在多台服务器上同时运行。"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="seconds to sleep when idle")
        parser.add_argument("--once", action="store_true", help="run what is due and queued, then exit")

    def handle(self, *args, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        self.stdout.write(f"后台任务进程已启动（{worker_id}）")
        while self.running:
            close_old_connections()
            for name in enqueue_due_jobs():
                logger.info("enqueued periodic job %s", name)
            self._drain(worker_id)
            if options["once"]:
                return
            time.sleep(options["interval"])

    def _drain(self, worker_id: str) -> None:
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        ).run()

    def _stop(self, signum, frame):
        self.running = False
        raise SystemExit(0)
