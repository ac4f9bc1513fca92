"""The authentication backend behind the OIDC callback (mozilla-django-oidc, hardened).

mozilla-django-oidc checks the ID token's signature and nonce; it does not check the audience or the
issuer, and matches users by e-mail. This backend adds the audience (`aud` must name our client id),
issuer, expiry and `sub` checks, and finds users only through `SsoIdentity` (services.sso_sign_in).
"""

import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from xinfang.sso.provider import provider, sso_enabled
from xinfang.sso.services import sso_sign_in

logger = logging.getLogger(__name__)
LEEWAY_SECONDS = 60  # clock skew between the OA provider and us


class SsoBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of the Authorization Code flow; ignores every other login."""

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoints from settings and raises when they are missing; every
        # password login instantiates every backend, so endpoints are resolved in authenticate().
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # Only the callback view passes `nonce`; a password form posted to a URL that happens to
        # carry ?code=&state= must never start a token exchange.
        if request is None or "nonce" not in kwargs or "username" in kwargs or not sso_enabled():
            return None
        op = provider()
        self.issuer = op.issuer
        self.OIDC_OP_TOKEN_ENDPOINT = op.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = op.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = op.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None  # keys come from the provider's JWKS (rotation needs no change here)
        return super().authenticate(request, **kwargs)

    def _checked_header(self, token) -> dict:
        """The token's header, refused unless it names the configured algorithm and a key id."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token is not a JWT: {exc}") from exc
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token alg {header.get('alg')!r} is not {self.OIDC_RP_SIGN_ALGO}")
        if not isinstance(header.get("kid"), str):
            raise SuspiciousOperation("ID token names no key (kid)")
        return header

    def retrieve_matching_jwk(self, token):
        self._checked_header(token)
        try:
            return super().retrieve_matching_jwk(token)
        except (KeyError, TypeError, jwt.PyJWKError) as exc:
            raise SuspiciousOperation(f"no usable key in the provider's JWKS: {exc}") from exc

    def _verify_jws(self, payload, key):
        """Signature (with the one configured algorithm), audience, issuer, expiry and subject."""
        self._checked_header(payload)
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.issuer or None,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token rejected: {exc}") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        """Merge the userinfo claims into the ID token's, then sign in through the (issuer, sub) link."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core §5.3.2: userinfo about another subject must not be used.
            if str(userinfo.get("sub")) != str(payload["sub"]):
                self.request.sso_refusal = "invalid"
                self.request.sso_error = "userinfo sub differs from the ID token's"
                raise SuspiciousOperation(self.request.sso_error)
            claims.update(userinfo)
        outcome = sso_sign_in(issuer=self.issuer or payload["iss"], claims=claims, request=self.request)
        if outcome.user is None:
            self.request.sso_refusal = outcome.refusal
            self.request.sso_mapped = outcome.mapped
        return outcome.user


def is_sso_callback(request, credentials=None) -> bool:
    """AXES_WHITELIST_CALLABLE: the OIDC callback is not a password guess and must not count as one.

    The provider has already authenticated the person; a refusal here is the mapping's verdict, and
    five of them (people of an unmapped office behind one NAT address) must not lock that address
    out of the password login.
    """
    return bool(credentials) and "nonce" in credentials and "username" not in credentials
