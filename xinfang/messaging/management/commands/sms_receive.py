"""`manage.py sms_receive`: stay bound to the SMSC and turn citizens' SMS into messages (SMPP)."""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from xinfang.messaging.sms.smpp import SmppAccount, SmppReceiver, store_deliver


def _store(**fields) -> int:
    close_old_connections()  # a long-lived process: drop a connection the database has closed
    return store_deliver(**fields)


class Command(BaseCommand):
    help = "以 SMPP 接收方式连接短信中心，把群众发来的短信存入信箱审查队列（长期运行，断线自动重连）。"

    def add_arguments(self, parser):
        parser.add_argument("--enquire-seconds", type=float, default=30, help="keep-alive interval")
        parser.add_argument(
            "--assembly-seconds", type=float, default=60, help="how long to wait for the missing parts"
        )

    def handle(self, *args, **options):
        if not (settings.SMPP_HOST and settings.SMPP_SYSTEM_ID):
            raise CommandError("SMPP_HOST 和 SMPP_SYSTEM_ID 未设置（见 docs/configuration.md）。")
        self.stopping = False
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        receiver = SmppReceiver(
            SmppAccount.from_settings(),
            handler=_store,
            enquire_seconds=options["enquire_seconds"],
            assembly_seconds=options["assembly_seconds"],
        )
        self.stdout.write(f"短信接收进程已启动：{settings.SMPP_HOST}:{settings.SMPP_PORT}")
        try:
            receiver.run(lambda: self.stopping)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("短信接收进程已停止。")

    def _stop(self, signum, frame):
        self.stopping = True  # the receiver unbinds cleanly at its next poll (within a second)
