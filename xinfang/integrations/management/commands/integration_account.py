"""manage.py integration_account create|list|token|deactivate|activate — 接入系统 (docs/integrations.md)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinfang.integrations import accounts as svc
from xinfang.integrations.models import IntegrationAccount, IntegrationKind
from xinfang.orgs.models import Unit


def _units(text: str) -> list[Unit]:
    """Units by id or exact name, comma-separated."""
    found = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        unit = (
            Unit.objects.filter(pk=int(part)).first()
            if part.isdigit()
            else Unit.objects.filter(name=part).first()
        )
        if unit is None:
            raise CommandError(f"单位 {part} 不存在。")
        found.append(unit)
    return found


class Command(BaseCommand):
    help = "Create, list, (de)activate integration accounts and issue their tokens (raw value printed once)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="new account with its service user")
        create.add_argument("--name", required=True, help="系统名称, e.g. 县政府门户网站")
        create.add_argument("--kind", required=True, choices=IntegrationKind.values)
        create.add_argument("--username", required=True, help="the service user's username")
        create.add_argument("--units", required=True, help="seat units: ids or names, comma-separated")
        create.add_argument(
            "--roles", default="registrar", help="comma list: registrar, dispatcher, handler, supervisor"
        )
        create.add_argument("--restrict", default="", help="restrict tokens to these units (ids or names)")
        create.add_argument("--contact", default="")
        token = actions.add_parser("token", help="issue a token to an account")
        token.add_argument("name", help="the account's name")
        token.add_argument("--scopes", default="read", help="comma list, e.g. cases:read,todos:read")
        token.add_argument("--days", type=int, default=365, help="valid for N days (0 = no expiry)")
        token.add_argument("--token-name", default="", help="what the token is for")
        for verb in ("deactivate", "activate"):
            actions.add_parser(verb).add_argument("name")
        actions.add_parser("list", help="accounts with their tokens (never the raw value)")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"])(options)
        except ValidationError as exc:
            raise CommandError("；".join(m for ms in exc.message_dict.values() for m in ms)) from exc

    def _account(self, name: str) -> IntegrationAccount:
        account = IntegrationAccount.objects.filter(name=name).first()
        if account is None:
            raise CommandError(f"接入系统 {name} 不存在（用 list 查看）。")
        return account

    def _create(self, options):
        account = svc.integration_account_create(
            acting_user=None,
            name=options["name"],
            kind=options["kind"],
            username=options["username"],
            seat_units=_units(options["units"]),
            roles=[r.strip() for r in options["roles"].split(",") if r.strip()],
            restrict_to=_units(options["restrict"]),
            contact=options["contact"],
            via="cli",
        )
        self.stdout.write(f"已创建接入系统 {account.name}（服务账号 {account.user.username}）")

    def _token(self, options):
        _token, raw = svc.integration_token_issue(
            account=self._account(options["name"]),
            acting_user=None,
            name=options["token_name"],
            scopes=[s.strip() for s in options["scopes"].split(",") if s.strip()],
            days=options["days"],
            via="cli",
        )
        self.stdout.write(raw)

    def _deactivate(self, options):
        svc.integration_account_set_active(
            account=self._account(options["name"]), acting_user=None, active=False, via="cli"
        )
        self.stdout.write(f"已停用 {options['name']}：全部令牌立即失效")

    def _activate(self, options):
        svc.integration_account_set_active(
            account=self._account(options["name"]), acting_user=None, active=True, via="cli"
        )
        self.stdout.write(f"已启用 {options['name']}")

    def _list(self, options):
        for account in IntegrationAccount.objects.select_related("user").order_by("name"):
            restricted = ",".join(account.units.values_list("name", flat=True)) or "不限"
            state = "启用" if account.is_active else "停用"
            self.stdout.write(
                f"{account.name}\t{account.get_kind_display()}\t{account.user.username}\t{state}\t限定:{restricted}"
            )
            for row in svc.account_tokens(account):
                token = row["token"]
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "未使用"
                status = "有效" if row["valid"] else row["refusal"]
                self.stdout.write(
                    f"  {token.prefix}\t{','.join(token.scopes)}\t{status}\t最近使用 {used}\t近1小时 {row['hour']} 近24小时 {row['day']}"
                )
