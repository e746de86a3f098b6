import os
import secrets
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
    result = load_settings(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="mentoring.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['mentoring.example.com']"


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("tests-only-not-a-secret-12345", "it has 29 characters (16 different)"),
        ("x" * 49 + "y", "it has 50 characters (2 different)"),
        ("abcd" * 20, "it has 80 characters (4 different)"),
    ],
)
def test_production_refuses_a_short_or_repetitive_secret(secret, why):
    result = load_settings(SECRET_KEY=secret)
    assert result.returncode != 0
    assert f"SECRET_KEY is too weak: {why}" in result.stderr
    assert "at least 50 characters" in result.stderr


def test_debug_accepts_a_short_secret_for_development():
    result = load_settings(DEBUG="true", SECRET_KEY="dev")
    assert result.returncode == 0, result.stderr


def test_check_deploy_passes_with_production_shaped_settings():
    # Only what a production host sets: nothing a test or the developer's shell left behind.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_KEY", "DEBUG", "SECURE_", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        BEHIND_HTTPS_PROXY="true",
        ALLOWED_HOSTS="mentoring.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_must_be_a_boolean():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr
