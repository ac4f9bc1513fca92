"""`manage.py sso_check`: can xinfang reach the OA provider? Prints the endpoints and checks the JWKS."""

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from xinfang.sso.provider import ProviderUnavailable, provider, sso_enabled


class Command(BaseCommand):
    help = "Check the single sign-on configuration against the OA system's OpenID Connect provider."

    def handle(self, *args, **options):
        if not sso_enabled():
            raise CommandError("SSO is off: OIDC_RP_CLIENT_ID is not set (docs/sso.md).")
        cache.delete(f"sso:discovery:{settings.OIDC_OP_ISSUER}")  # ask the provider now, not the cache
        try:
            op = provider()
        except ProviderUnavailable as exc:
            raise CommandError(f"The provider cannot be used: {exc}") from exc
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
            self.stdout.write(f"{name:24} {getattr(op, name) or '-'}")
        self.stdout.write(f"{'end_session_endpoint':24} {op.end_session_endpoint or '- (退出 stays local)'}")
        keys = self._jwks(op.jwks_uri)
        usable = [k for k in keys if k.get("alg", settings.OIDC_RP_SIGN_ALGO) == settings.OIDC_RP_SIGN_ALGO]
        if not usable:
            raise CommandError(
                f"The JWKS has no {settings.OIDC_RP_SIGN_ALGO} key: ID tokens cannot be verified."
            )
        self.stdout.write(f"{'signing keys':24} {len(usable)} × {settings.OIDC_RP_SIGN_ALGO}")
        self.stdout.write(f"{'callback to register':24} https://<this host>/sso/callback/")
        self._mapping_summary()
        self.stdout.write(self.style.SUCCESS("SSO configuration looks usable."))

    def _jwks(self, url: str) -> list[dict]:
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (requests.RequestException, ValueError, AttributeError) as exc:
            raise CommandError(f"The JWKS at {url} cannot be read: {exc}") from exc
        return [key for key in keys if isinstance(key, dict)]

    def _mapping_summary(self) -> None:
        from xinfang.sso.models import DepartmentMapping, RoleMapping

        departments = DepartmentMapping.objects.filter(is_active=True).count()
        roles = RoleMapping.objects.filter(is_active=True).count()
        self.stdout.write(f"{'mapping':24} {departments} department(s), {roles} role(s) active")
        if not departments and not roles:
            self.stdout.write(
                self.style.WARNING("No mapping yet: every OA login will be refused (系统管理 → 单点登录).")
            )
