"""The ID token checks, one bad token at a time, with keys fetched from the real provider's JWKS.

Tokens are signed here with the provider's own private key (or a stranger's), so only the one thing
each test changes is wrong.
"""

import time

import jwt
import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from jwcrypto import jwk

from xinfang.sso.backends import SsoBackend
from xinfang.sso.tests.conftest import CLIENT_ID, CLIENT_SECRET, rsa_private_pem

NONCE = "n-0123456789abcdef0123456789abcdef"


@pytest.fixture
def backend(sso_on, rf: RequestFactory):
    """The backend as authenticate() prepares it, with the provider's discovered endpoints."""
    from xinfang.sso.provider import provider

    op = provider()
    b = SsoBackend()
    b.request = rf.get("/sso/callback/")
    b.issuer = op.issuer
    b.OIDC_OP_JWKS_ENDPOINT = op.jwks_uri
    b.OIDC_RP_CLIENT_ID = CLIENT_ID
    b.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    b.OIDC_RP_SIGN_ALGO = "RS256"
    b.OIDC_RP_IDP_SIGN_KEY = None
    return b


@pytest.fixture
def provider_key(sso_on):
    return (sso_on.state_dir / "op-key.pem").read_text()


def claims(issuer, **changes):
    now = int(time.time())
    base = {"iss": issuer, "aud": CLIENT_ID, "sub": "42", "iat": now, "exp": now + 300, "nonce": NONCE}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def sign(payload, pem, *, kid_from=None, alg="RS256"):
    kid = jwk.JWK.from_pem((kid_from or pem).encode()).thumbprint()
    return jwt.encode(payload, pem, algorithm=alg, headers={"kid": kid})


def test_it_accepts_a_good_token(backend, provider_key, sso_on):
    payload = backend.verify_token(sign(claims(sso_on.issuer), provider_key), nonce=NONCE)
    assert payload["sub"] == "42"


@pytest.mark.parametrize(
    ("case", "changes"),
    [
        ("wrong audience", {"aud": "another-client"}),
        ("wrong issuer", {"iss": "http://evil.example/o"}),
        ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
        ("no subject", {"sub": None}),
        ("no expiry", {"exp": None}),
    ],
)
def test_it_rejects_a_token_with_bad_claims(backend, provider_key, sso_on, case, changes):
    token = sign(claims(sso_on.issuer, **changes), provider_key)
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce=NONCE)


def test_it_rejects_a_wrong_nonce(backend, provider_key, sso_on):
    token = sign(claims(sso_on.issuer, nonce="replayed-from-another-login"), provider_key)
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        backend.verify_token(token, nonce=NONCE)


def test_it_rejects_a_signature_by_another_key_under_the_providers_kid(backend, provider_key, sso_on):
    token = sign(claims(sso_on.issuer), rsa_private_pem(), kid_from=provider_key)
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce=NONCE)


def test_it_rejects_a_tampered_payload(backend, provider_key, sso_on):
    header, payload, signature = sign(claims(sso_on.issuer), provider_key).split(".")
    other = sign(claims(sso_on.issuer, sub="1"), provider_key).split(".")[1]
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(f"{header}.{other}.{signature}", nonce=NONCE)
    assert payload != other


def test_it_rejects_hs256_signed_with_the_client_secret(backend, sso_on):
    """Algorithm confusion: a token 'signed' with the shared secret must not pass as RS256."""
    token = jwt.encode(claims(sso_on.issuer), CLIENT_SECRET, algorithm="HS256", headers={"kid": "x"})
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce=NONCE)


def test_it_rejects_an_unsigned_token(backend, sso_on):
    token = jwt.encode(claims(sso_on.issuer), None, algorithm="none")
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce=NONCE)


def test_it_ignores_password_logins(sso_on, rf, db):
    request = rf.post("/accounts/login/?code=abc&state=def")
    assert SsoBackend().authenticate(request, username="x", password="y") is None
    assert SsoBackend().authenticate(None, nonce=NONCE) is None


def test_it_does_nothing_when_sso_is_off(settings, rf):
    settings.OIDC_RP_CLIENT_ID = ""
    assert SsoBackend().authenticate(rf.get("/sso/callback/?code=a&state=b"), nonce=NONCE) is None


def test_it_refuses_userinfo_about_someone_else(client, sso_on, mapping, monkeypatch):
    """OpenID Connect Core §5.3.2: the userinfo `sub` must be the ID token's."""
    from urllib.parse import urlsplit

    from xinfang.common.models import AuditLog
    from xinfang.sso.tests.conftest import oa_sign_in

    original = SsoBackend.get_userinfo
    monkeypatch.setattr(
        SsoBackend, "get_userinfo", lambda self, *args: {**original(self, *args), "sub": "someone-else"}
    )
    callback = urlsplit(oa_sign_in(client.get("/sso/login/")["Location"], "zhang.wei"))

    response = client.get(f"{callback.path}?{callback.query}")

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert "userinfo sub" in AuditLog.objects.get(action="sso_login_refused").detail["error"]
