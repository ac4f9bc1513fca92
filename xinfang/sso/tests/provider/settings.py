"""Settings of the test OIDC provider; everything comes from OP_* variables set by the test fixture."""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE_DIR = Path(os.environ["OP_STATE_DIR"])
PORT = int(os.environ["OP_PORT"])
ISSUER = f"http://127.0.0.1:{PORT}/o"

SECRET_KEY = "test-provider-only-not-a-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "xinfang.sso.tests.provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "xinfang.sso.tests.provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE_DIR / "provider.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
LOGIN_URL = "/accounts/login/"
# Both servers run on the loopback address: the provider's cookies must not overwrite xinfang's.
SESSION_COOKIE_NAME = "op_sessionid"
CSRF_COOKIE_NAME = "op_csrftoken"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": (STATE_DIR / "op-key.pem").read_text(),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": True,
    "ALLOW_LOCALHOST_LOOPBACK": True,  # pytest-django's live server listens on localhost:<any port>
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "姓名、部门、角色",
        "email": "电子邮箱",
        "phone": "手机",
    },
    "OAUTH2_VALIDATOR_CLASS": "xinfang.sso.tests.provider.validator.OAClaimsValidator",
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
