import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def load_settings(**env):  # type: ignore[no-untyped-def]
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; import os; os.environ['DJANGO_SETTINGS_MODULE']='kindred.settings'; "
            "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        ],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("secret", ["", "kindred-demo-secret-key-do-not-use-in-production"])
def test_production_refuses_the_demo_or_a_missing_secret(secret):
    result = load_settings(SECRET_KEY=secret) if secret else load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_real_secret():
    result = load_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="mentoring.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['mentoring.example.com']"


def test_debug_must_be_a_boolean():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr
