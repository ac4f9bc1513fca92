"""manage.py api_token create|rotate|revoke|list — API v1 / Open311 tokens (docs/api.md, Authentication)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.common.services import audit_record
from xinfang.integrations.auth import api_token_create, api_token_revoke, api_token_rotate
from xinfang.integrations.models import ApiToken


class Command(BaseCommand):
    help = "Create, rotate, revoke or list API tokens (the raw value is printed only once)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="new token for a user")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="命令行创建", help="what the token is for")
        create.add_argument("--scopes", default="read,write", help="comma list of read, write, open311")
        create.add_argument("--days", type=int, default=0, help="valid for this many days (0 = no expiry)")
        rotate = actions.add_parser("rotate", help="new token; the old one ends after --grace-minutes")
        rotate.add_argument("prefix", help="the token's prefix (xf_…) as shown by list")
        rotate.add_argument("--grace-minutes", type=int, default=60)
        revoke = actions.add_parser("revoke", help="stop a token at once")
        revoke.add_argument("prefix")
        listing = actions.add_parser("list", help="all tokens (never the raw value)")
        listing.add_argument("--user", default="", help="only this user's tokens")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _create(self, options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用。")
        days = options["days"]
        expires_at = timezone.now() + datetime.timedelta(days=days) if days > 0 else None
        scopes = [part.strip() for part in options["scopes"].split(",") if part.strip()]
        try:
            token, raw = api_token_create(
                user=user, name=options["name"], scopes=scopes, expires_at=expires_at
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        audit_record(
            user=None,
            action="api_token_created",
            obj=token,
            detail={"for": user.username, "scopes": token.scopes},
            via="cli",
        )
        self.stdout.write(raw)

    def _token(self, prefix: str) -> ApiToken:
        found = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)[:2])
        if len(found) != 1:
            raise CommandError(f"找不到唯一的有效令牌 {prefix}（用 list 查看）。")
        return found[0]

    def _rotate(self, options):
        try:
            _new, raw = api_token_rotate(
                token=self._token(options["prefix"]),
                acting_user=None,
                grace_minutes=options["grace_minutes"],
                via="cli",
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)

    def _revoke(self, options):
        api_token_revoke(token=self._token(options["prefix"]), acting_user=None, via="cli")
        self.stdout.write(f"已吊销 {options['prefix']}")

    def _list(self, options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        for token in tokens:
            state = "吊销" if token.revoked_at else ("过期" if token.is_expired(timezone.now()) else "有效")
            self.stdout.write(
                "\t".join(
                    [
                        token.prefix,
                        token.user.username,
                        token.name,
                        ",".join(token.scopes),
                        state,
                        f"到期 {token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "不过期",
                        f"最近使用 {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "未使用",
                    ]
                )
            )
