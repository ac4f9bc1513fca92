"""`manage.py sms_deliver`: send the due SMS of the outbox now (the worker does this every few seconds)."""

from django.core.management.base import BaseCommand

from xinfang.messaging.sms.outbox import sms_deliver_due


class Command(BaseCommand):
    help = "立即发送短信发件箱中到期的短信（通常由后台任务进程定时执行）。"

    def handle(self, *args, **options):
        result = sms_deliver_due()
        self.stdout.write(
            f"已发送 {result.sent}，待重试 {result.retrying}，失败 {result.failed}，已退订跳过 {result.skipped}"
        )
