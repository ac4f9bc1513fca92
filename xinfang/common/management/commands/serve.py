"""`make run`: start the web server (gunicorn) and one job worker together; stop both on Ctrl+C."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "同时启动网站和后台任务进程。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        worker = subprocess.Popen([*manage, "worker"])  # noqa: S603 - our own interpreter and script
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"信访信息系统已启动：http://{bind}/  （按 Ctrl+C 停止）"))
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["web_workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        try:
            subprocess.run(gunicorn, check=False)  # noqa: S603
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            worker.wait(timeout=10)
