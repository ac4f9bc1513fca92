"""The SSO tests' fixtures: a real OIDC provider in a subprocess, the mapping, and an OA "browser".

The provider (./provider/) is django-oauth-toolkit with OIDC on, an RSA key generated here, a
confidential client for xinfang and OA people whose claims carry a department and roles.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from xinfang.messaging.tests.smsc import free_port

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "xinfang-test-client"
CLIENT_SECRET = "xinfang-test-secret-0123456789-abcdefghij"
OA_PASSWORD = "Oa@pass2026"
PEOPLE = {
    # A 公安局 officer whose OA role maps to 承办员 (and a second role that maps to nothing).
    "zhang.wei": {
        "department": "示范县公安局",
        "roles": ["信访承办", "工会会员"],
        "name": "张伟",
        "email": "zhang.wei@oa.example.gov.cn",
        "phone_number": "13900001111",
        "preferred_username": "zhang.wei",
    },
    # A township clerk: no OA role maps, so the department's default role applies.
    "wang.fang": {"department": "东湖镇人民政府", "roles": ["科员"], "name": "王芳"},
    # Someone from an office nobody has mapped yet.
    "li.na": {"department": "县档案馆", "roles": ["档案员"], "name": "李娜"},
}


def rsa_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class OidcProvider:
    url: str
    state_dir: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def set_claims(self, username: str, **claims) -> None:
        """Change what the OA system says about a person (read by the provider on every token request)."""
        path = self.state_dir / "people.json"
        people = json.loads(path.read_text(encoding="utf-8"))
        people[username]["claims"] = claims
        path.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")

    def reset(self) -> None:
        write_people(self.state_dir)


def write_people(state_dir: Path) -> None:
    people = {name: {"password": OA_PASSWORD, "claims": claims} for name, claims in PEOPLE.items()}
    (state_dir / "people.json").write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")


def _wait_ready(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test OIDC provider exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("the test OIDC provider did not start within 60 s")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """django-oauth-toolkit as the OA system's OpenID Connect provider, on a free loopback port."""
    state_dir = tmp_path_factory.mktemp("oidc-provider")
    (state_dir / "op-key.pem").write_text(rsa_private_pem())
    write_people(state_dir)
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        # Django's test client, and the live server on localhost or 127.0.0.1 at any port (RFC 8252 §7.3).
        "redirect_uris": [
            "http://testserver/sso/callback/",
            "http://localhost/sso/callback/",
            "http://127.0.0.1/sso/callback/",
        ],
        "post_logout_redirect_uris": [
            "http://testserver/accounts/login/",
            "http://localhost/accounts/login/",
        ],
    }
    (state_dir / "client.json").write_text(json.dumps(client), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "OP_STATE_DIR": str(state_dir), "OP_PORT": str(port)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (state_dir / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "xinfang.sso.tests.provider"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    provider = OidcProvider(url=f"http://127.0.0.1:{port}", state_dir=state_dir)
    try:
        _wait_ready(process, f"{provider.issuer}/.well-known/openid-configuration")
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def sso_on(settings, oidc_provider):
    """xinfang configured the way docs/sso.md says: client id/secret and the issuer (discovery)."""
    oidc_provider.reset()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = oidc_provider.issuer
    return oidc_provider


@pytest.fixture
def mapping(org):
    """The administrator's mapping: 公安局 and 东湖镇 departments, 信访承办 → 承办员, 信访局领导 → leader at the county."""
    from xinfang.orgs.models import Role
    from xinfang.sso.models import DepartmentMapping, RoleMapping

    DepartmentMapping.objects.create(claim_value="示范县公安局", unit=org.police)
    DepartmentMapping.objects.create(
        claim_value="东湖镇人民政府", unit=org.town, default_role=Role.objects.get(code="registrar")
    )
    RoleMapping.objects.create(claim_value="信访承办", role=Role.objects.get(code="handler"))
    RoleMapping.objects.create(claim_value="单位负责人", role=Role.objects.get(code="unit_head"))
    RoleMapping.objects.create(
        claim_value="信访局领导", role=Role.objects.get(code="leader"), unit=org.county
    )
    return org


def oa_sign_in(authorize_url: str, username: str, password: str = OA_PASSWORD, *, session=None) -> str:
    """What a person does at the OA login page; returns the URL the provider sends the browser back to.

    Follows the provider's redirects (authorize → its login form → authorize again) and stops at the
    first redirect that leaves the provider, i.e. xinfang's callback with ?code=&state=.
    """
    oa_host = urlsplit(authorize_url).netloc
    session = session or requests.Session()
    url = authorize_url
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=15)
        if response.status_code == 200 and "id_password" in response.text and password:
            csrf = session.cookies["op_csrftoken"]
            next_url = parse_qs(urlsplit(url).query)["next"][0]
            response = session.post(
                url,
                data={
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": csrf,
                    "next": next_url,
                },
                allow_redirects=False,
                timeout=15,
            )
            assert response.status_code == 302, f"OA login refused {username}: {response.text[:300]}"
        assert response.status_code in (301, 302), f"{url}: {response.status_code} {response.text[:500]}"
        url = urljoin(url, response.headers["Location"])
        if urlsplit(url).netloc != oa_host:
            return url
    raise AssertionError("too many redirects at the OA provider")
