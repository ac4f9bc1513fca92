import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from xinfang.common.periodic import claim_run


def test_healthz_answers_json(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"] == django_settings.VERSION
    assert isinstance(body["pending_jobs"], int)


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "XINFANG_ALLOW_INSECURE_KEY"}
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        ],
        env=clean,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe", "SECRET_KEY": "x" * 50}, "DEBUG='maybe' is not a boolean"),
        ({}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "x" * 50, "PAGE_SIZE": "many"}, "PAGE_SIZE='many' is not a whole number"),
        ({"SECRET_KEY": "x" * 50, "DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must be"),
        ({"SECRET_KEY": "x" * 50, "DEFAULT_RULE_SET": "mars"}, "DEFAULT_RULE_SET='mars' must be one of"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE"),
    ],
)
def test_bad_settings_fail_loudly(env, message):
    result = _settings_with(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_settings_load(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 50)
    assert _settings_with({"SECRET_KEY_FILE": str(secret), "DEBUG": "false"}).returncode == 0


def test_a_periodic_run_is_claimed_once(db):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    interval = datetime.timedelta(minutes=5)
    assert claim_run("job", interval, now) is True
    assert claim_run("job", interval, now) is False
    assert claim_run("job", interval, now + interval) is True
