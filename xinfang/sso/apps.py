from urllib.parse import urlsplit

from django.apps import AppConfig
from django.core.checks import Warning, register
from django.utils.translation import gettext_lazy as _

ENDPOINT_SETTINGS = (
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_OP_LOGOUT_ENDPOINT",
)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class SsoConfig(AppConfig):
    name = "xinfang.sso"
    label = "sso"
    verbose_name = _("单点登录")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        register(check_sso_settings)


def check_sso_settings(app_configs=None, **kwargs):
    """sso.W001: the client secret and the tokens must not cross the network in clear text."""
    from django.conf import settings

    if not settings.OIDC_RP_CLIENT_ID or settings.DEBUG:
        return []
    warnings = []
    for name in ENDPOINT_SETTINGS:
        parts = urlsplit(getattr(settings, name))
        if parts.scheme == "http" and parts.hostname not in LOOPBACK:
            warnings.append(
                Warning(
                    f"{name}={getattr(settings, name)!r} is plain http.",
                    hint="Use the OA provider's https:// address (OIDC_CA_BUNDLE for an intranet CA).",
                    id="sso.W001",
                )
            )
    return warnings
