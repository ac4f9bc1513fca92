"""Where the office system's OpenID Connect provider is: explicit endpoints, or its discovery document.

Settings hold what the operator set (docs/sso.md). Endpoints left empty are read from
`<OIDC_OP_ISSUER>/.well-known/openid-configuration` on first use and cached, so a server starts even
while the OA system is down, and a provider that moves its endpoints needs no reconfiguration.
"""

from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """The provider's discovery document cannot be read or lacks a required endpoint."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


def sso_enabled() -> bool:
    """SSO is on when a client id is configured (config/settings.py checks the rest at start-up)."""
    return bool(settings.OIDC_RP_CLIENT_ID)


def _explicit() -> dict[str, str]:
    return {
        "issuer": settings.OIDC_OP_ISSUER,
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
        "end_session_endpoint": settings.OIDC_OP_LOGOUT_ENDPOINT,
    }


def _discovery(issuer: str) -> dict:
    key = f"sso:discovery:{issuer}"
    document = cache.get(key)
    if document is not None:
        return document
    url = issuer.rstrip("/") + DISCOVERY_PATH
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    # OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be the one we asked.
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise ProviderUnavailable(f"{url} names issuer {document.get('issuer')!r}, expected {issuer!r}")
    cache.set(key, document, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return document


def provider() -> Provider:
    """The provider's endpoints; explicit settings win over the discovery document."""
    values = _explicit()
    if values["issuer"] and not all(values[name] for name in (*REQUIRED, "userinfo_endpoint")):
        document = _discovery(values["issuer"])
        for name in values:
            if not values[name] and isinstance(document.get(name), str):
                values[name] = document[name]
    missing = [name for name in REQUIRED if not values[name]]
    if missing:
        raise ProviderUnavailable(f"no {', '.join(missing)} configured or discovered")
    if not settings.OIDC_OP_LOGOUT:
        values["end_session_endpoint"] = ""
    return Provider(**values)
