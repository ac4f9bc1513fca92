"""manage.py exchange_export <case number> --to <peer> --user <username> [--assign --due D] [--result]."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from xinfang.cases.access import get_case_for_user
from xinfang.exchange.keys import NotConfigured
from xinfang.exchange.models import Peer
from xinfang.exchange.package import PackageRejected
from xinfang.exchange.services import case_export_result, case_export_transfer, package_bytes


class Command(BaseCommand):
    help = "Export a case as a signed package: 转送/交办 to a peer, or (--result) its result back."

    def add_arguments(self, parser):
        parser.add_argument("number", help="local case number")
        parser.add_argument("--to", default="", help="peer deployment id or name (not needed with --result)")
        parser.add_argument(
            "--user", required=True, help="the staff member who transfers (their rights apply)"
        )
        parser.add_argument("--assign", action="store_true", help="交办 instead of 转送 (needs --due)")
        parser.add_argument("--due", default="", help="交办 deadline, YYYY-MM-DD")
        parser.add_argument("--note", default="")
        parser.add_argument(
            "--result", action="store_true", help="send the result back to the peer it came from"
        )
        parser.add_argument("--out", default="", help="write the .zip here (default: ./<package id>.zip)")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用。")
        try:
            case = get_case_for_user(user, number=options["number"])
            package = self._export(case, user, options)
        except PackageRejected as exc:
            raise CommandError(exc.message) from exc
        except (NotConfigured, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        except Exception as exc:
            if exc.__class__.__name__ == "Http404":
                raise CommandError(f"信访件 {options['number']} 不存在或该用户无权查看。") from exc
            raise
        out = Path(options["out"] or f"{package.package_id}.zip")
        out.write_bytes(package_bytes(package))
        self.stdout.write(f"{package.package_id}\t{out}")

    def _export(self, case, user, options):
        if options["result"]:
            return case_export_result(case=case, actor=user, via="cli")
        peer = Peer.objects.filter(
            Q(deployment_id=options["to"]) | Q(name=options["to"]), is_active=True
        ).first()
        if peer is None:
            raise CommandError(f"没有已启用的对端系统“{options['to']}”。")
        due = None
        if options["assign"]:
            try:
                due = datetime.date.fromisoformat(options["due"])
            except ValueError as exc:
                raise CommandError("交办须用 --due YYYY-MM-DD 指定期限。") from exc
        return case_export_transfer(
            case=case,
            peer=peer,
            actor=user,
            assign=options["assign"],
            due_on=due,
            note=options["note"],
            via="cli",
        )
