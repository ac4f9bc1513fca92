"""manage.py exchange_import <file> [--user <username>] — receive a package (docs/exchange.md)."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xinfang.common.services import audit_record
from xinfang.exchange.importing import package_import
from xinfang.exchange.package import PackageRejected
from xinfang.exchange.services import package_limits


class Command(BaseCommand):
    help = "Verify and import a case-exchange package; the same package twice gives the same case."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", default="", help="who imports (for the audit log)")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户 {options['user']} 不存在或已停用。")
        path = Path(options["file"])
        try:
            if path.stat().st_size > package_limits()["max_bytes"]:
                raise PackageRejected("数据包超过大小限制。", code="too_large", status=413)
            outcome = package_import(data=path.read_bytes(), actor=user, via="cli")
        except OSError as exc:
            raise CommandError(f"无法读取文件：{path}") from exc
        except PackageRejected as exc:
            audit_record(
                user=user,
                action="exchange_import_refused",
                object_type="exchange.package",
                detail={"reason": exc.code, "message": exc.message, "file": path.name[:100]},
                via="cli",
            )
            raise CommandError(exc.message) from exc
        if options["json"]:
            body = {
                "created": outcome.created,
                "message": outcome.message,
                "case_number": outcome.case.number,
                "status": outcome.case.status,
                "package_id": str(outcome.package.package_id),
            }
            self.stdout.write(json.dumps(body, ensure_ascii=False))
        else:
            self.stdout.write(outcome.message)
