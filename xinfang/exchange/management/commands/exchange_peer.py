"""manage.py exchange_peer add|list|deactivate — the registry of peer deployments (docs/exchange.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinfang.exchange.models import Peer
from xinfang.exchange.services import peer_save
from xinfang.orgs.models import Unit


def _unit(name: str | None) -> Unit | None:
    if not name:
        return None
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        raise CommandError(f"单位“{name}”不存在。")
    return unit


class Command(BaseCommand):
    help = "Register, list or deactivate peer deployments for case exchange."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a peer (or update it, by deployment id)")
        add.add_argument("--name", required=True)
        add.add_argument("--deployment-id", required=True)
        add.add_argument(
            "--public-key", required=True, help="Base64 Ed25519 public key from its exchange_keygen"
        )
        add.add_argument("--unit", required=True, help="name of the local 信访部门 that stands for the peer")
        add.add_argument("--receiving-unit", default="", help="default unit for cases the peer sends")
        actions.add_parser("list")
        off = actions.add_parser("deactivate")
        off.add_argument("deployment_id")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _add(self, options):
        peer = Peer.objects.filter(deployment_id=options["deployment_id"]).first() or Peer(
            deployment_id=options["deployment_id"]
        )
        peer.name = options["name"]
        peer.public_key = options["public_key"]
        peer.local_unit = _unit(options["unit"])
        peer.receiving_unit = _unit(options["receiving_unit"])
        peer.is_active = True
        try:
            peer_save(peer=peer, acting_user=None, via="cli")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已登记对端系统：{peer.name}（{peer.deployment_id}）")

    def _list(self, options):
        for peer in Peer.objects.select_related("local_unit"):
            state = "启用" if peer.is_active else "停用"
            self.stdout.write(f"{peer.deployment_id}\t{peer.name}\t{peer.local_unit.name}\t{state}")

    def _deactivate(self, options):
        if not Peer.objects.filter(deployment_id=options["deployment_id"]).update(is_active=False):
            raise CommandError("没有这个对端系统。")
        self.stdout.write("已停用。")
