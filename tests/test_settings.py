"""Settings come from the environment; production needs a real secret; the deploy check is clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "register.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://register.example.org",
}


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key_and_names_the_variable():
    result = run_manage("check", DJANGO_ALLOWED_HOSTS="register.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing" in result.stderr
    assert result.stderr.startswith("error: DJANGO_SECRET_KEY is missing")  # said at once, not after a traceback
    assert "Traceback" not in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_manage("check", DJANGO_SECRET_KEY="django-insecure-short", DJANGO_ALLOWED_HOSTS="x.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_a_log_line_is_printed_once_in_development():
    """Django's own console handler and the root's both printed it: every 404 and error twice under make run."""
    script = "import logging; logging.getLogger('django.request').warning('Not Found: /nope/')"
    result = run_manage("shell", "--no-imports", "-c", script, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /nope/") == 1


def test_debug_mode_runs_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_a_curators_session_lasts_a_working_day_unless_the_environment_says_otherwise():
    ask = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    assert run_manage("shell", "--no-imports", "-c", ask, **PRODUCTION).stdout.strip() == str(12 * 60 * 60)
    assert (
        run_manage("shell", "--no-imports", "-c", ask, DJANGO_SESSION_SECONDS="3600", **PRODUCTION).stdout.strip()
        == "3600"
    )


def test_database_url_selects_the_database():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://someone@127.0.0.1:5432/somewhere",
    )
    assert result.stdout.strip().endswith("django.db.backends.postgresql"), result.stderr


def test_no_model_changes_lack_a_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
