"""Start the test provider: migrate its SQLite file, create the OA people and the xinfang client, serve.

Reads OP_STATE_DIR (op-key.pem, people.json, client.json), OP_PORT. Serves until killed.
"""

import json
import os

os.environ["DJANGO_SETTINGS_MODULE"] = "xinfang.sso.tests.provider.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import run  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

from xinfang.sso.tests.provider.validator import people  # noqa: E402


def seed() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    for username, person in people().items():
        user = User.objects.create(username=username, email=person.get("claims", {}).get("email", ""))
        user.set_password(person["password"])
        user.save()
    client = json.loads((settings.STATE_DIR / "client.json").read_text(encoding="utf-8"))
    Application.objects.create(
        name="xinfang",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        post_logout_redirect_uris=" ".join(client["post_logout_redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,  # the OA system trusts its own office's system: no consent screen
    )


if __name__ == "__main__":
    seed()
    run("127.0.0.1", settings.PORT, get_wsgi_application(), ipv6=False, threading=True)
