"""manage.py exchange_keygen [--force] [--show] — this deployment's Ed25519 key pair (docs/exchange.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinfang.common.services import audit_record
from xinfang.exchange.keys import NotConfigured, key_generate, private_key_load, public_key_text


class Command(BaseCommand):
    help = "Generate this deployment's exchange signing key (or --show its public key)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="replace an existing key (peers must re-register)"
        )
        parser.add_argument("--show", action="store_true", help="only print the public key")

    def handle(self, *args, **options):
        path = Path(settings.EXCHANGE_PRIVATE_KEY_PATH)
        if options["show"]:
            try:
                key = private_key_load(path)
            except NotConfigured as exc:
                raise CommandError(str(exc)) from exc
        else:
            try:
                key = key_generate(path, force=options["force"])
            except FileExistsError as exc:
                raise CommandError(
                    f"私钥已存在：{path}。如确需更换，请加 --force（对端须重新登记新公钥）。"
                ) from exc
            audit_record(user=None, action="exchange_key_generated", detail={"path": str(path)}, via="cli")
            self.stdout.write(f"已生成私钥：{path}（权限 0600，请妥善保管、备份）")
        self.stdout.write(
            f"本系统标识 EXCHANGE_DEPLOYMENT_ID：{settings.EXCHANGE_DEPLOYMENT_ID or '（未设置）'}"
        )
        self.stdout.write(f"公钥（交给对端管理员登记）：{public_key_text(key)}")
