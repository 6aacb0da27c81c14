"""What the container relies on, checked without a Docker engine: the Dockerfile's shape, and its exact CMD
serving the site under production settings from collected static files (pages, hashed static files with
far-future caching, /healthz), as well as /healthz answering 503 when the database is out of reach."""

import http.client
import json
import os
import re
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.urls import reverse

from register import health
from tests import serving
from tests.scratch import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
AGREEMENT = "/agreements/DARS-NIC-616054-M4C8K/"
HOST = "register.example.org"


def dockerfile_cmd():
    """The Dockerfile's CMD, in exec form, as a list of arguments."""
    lines = [line for line in DOCKERFILE.splitlines() if line.startswith("CMD ")]
    assert len(lines) == 1, "one CMD, in exec (JSON) form"
    return json.loads(lines[0].removeprefix("CMD "))


def production_env(**extra):
    return serving.production_env(DJANGO_ALLOWED_HOSTS=HOST, DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST}", **extra)


def test_the_dockerfile_is_multi_stage_pinned_and_unprivileged():
    bases = re.findall(r"^FROM (\S+)(?: AS (\w+))?", DOCKERFILE, flags=re.M)
    assert len(bases) >= 2, "a build stage and a runtime stage"
    for image, _stage in bases:
        assert re.fullmatch(r"python:3\.12\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", image), image
    users = re.findall(r"^USER (\S+)", DOCKERFILE, flags=re.M)
    assert users
    assert users[-1] not in {"root", "0"}
    assert re.search(r"manage\.py collectstatic --no-input", DOCKERFILE)
    assert "HEALTHCHECK" in DOCKERFILE
    assert "/healthz" in DOCKERFILE
    assert dockerfile_cmd()[:3] == ["gunicorn", "--config", "gunicorn.conf.py"]


def test_every_folder_compose_mounts_a_volume_on_is_made_for_the_sites_user_in_the_image():
    """The uploads volume was mounted on a folder the image did not have: Docker makes such a volume root's, and the
    site's user could not keep an uploaded file."""
    mounts = re.findall(r"^\s*- \w+:(/app/\S+)", (ROOT / "compose.yaml").read_text(), flags=re.M)
    assert "/app/var/uploads" in mounts
    made = re.search(r"^RUN mkdir -p ([^&]+) && chown -R register:register /app/var$", DOCKERFILE, flags=re.M)
    assert made, "one RUN makes the folders and gives /app/var to the site's user"
    assert all(mount.startswith("/app/var/") for mount in mounts)
    assert set(mounts) <= set(made[1].split())


def test_gunicorn_takes_its_workers_from_the_cpu_count_and_logs_access_to_stdout():
    script = "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['workers'], c['accesslog'], c['timeout'])"
    default = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env={})
    workers, accesslog, timeout = default.stdout.split()
    assert int(workers) == 2 * len(os.sched_getaffinity(0)) + 1
    assert accesslog == "-"
    assert 10 <= int(timeout) <= 120
    chosen = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env={"WEB_CONCURRENCY": "3"}
    )
    assert chosen.stdout.split()[0] == "3"


def fetch(port, path, host=HOST, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Host": host, **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture
def served(scratch_database, tmp_path):
    """The Dockerfile's CMD, run as it is, on loopback, against a committed database and collected static files."""
    env = production_env(DATABASE_URL=scratch_database)
    with serving.serve(env, tmp_path, command=dockerfile_cmd()) as (port, log):
        yield port, tmp_path / "staticfiles", log, scratch_database


def test_the_dockerfile_command_serves_the_site_under_production_settings(served):
    port, static_root, log, database_url = served

    # A load balancer checks health by IP address, over plain HTTP.
    status, headers, body = fetch(port, "/healthz", host="10.1.2.3:8000")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}

    # Plain HTTP is sent to HTTPS; behind the TLS proxy the page is served with the security headers.
    status, headers, _ = fetch(port, AGREEMENT)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}{AGREEMENT}"
    status, headers, body = fetch(port, AGREEMENT, **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert "DSfC - NHS Greater Manchester Integrated Care Board" in body.decode()
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    status, _, _ = fetch(port, AGREEMENT, host="evil.example.com", **{"X-Forwarded-Proto": "https"})
    assert status == 400  # hosts outside DJANGO_ALLOWED_HOSTS are refused

    # The page links its stylesheet by hashed name; whitenoise serves that for a year, immutable.
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = "/static/" + manifest["css/site.css"]
    assert hashed != "/static/css/site.css"
    assert hashed in body.decode()
    status, headers, css = fetch(port, hashed, **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "max-age=31536000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]
    assert css == (ROOT / "static" / "css" / "site.css").read_bytes()

    # Every worker sees a change of the data version made by another process: no stale 304, then a 304 again.
    secure = {"X-Forwarded-Proto": "https"}
    status, headers, _ = fetch(port, AGREEMENT, **secure)
    old_etag = headers["ETag"]
    assert fetch(port, AGREEMENT, **secure, **{"If-None-Match": old_etag})[0] == 304
    bump = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", "from register import caching; caching.bump()"],
        cwd=ROOT,
        env=production_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
    )
    assert bump.returncode == 0, bump.stderr
    answers = [fetch(port, AGREEMENT, **secure, **{"If-None-Match": old_etag}) for _ in range(6)]
    assert {status for status, _, _ in answers} == {200}
    new_etags = {headers["ETag"] for _, headers, _ in answers}
    assert len(new_etags) == 1
    assert old_etag not in new_etags
    assert {fetch(port, AGREEMENT, **secure, **{"If-None-Match": etag})[0] for etag in list(new_etags) * 4} == {304}

    # The image's health check asks the port the server was given (PORT), not always 8000.
    check = json.loads(re.search(r"^\s+CMD (\[.*\])$", DOCKERFILE, flags=re.M)[1])
    assert check[0] == "python"
    check[0] = sys.executable  # the image's python
    for given, healthy in ((port, 0), (serving.free_port(), 1)):
        ran = subprocess.run(check, env={**os.environ, "PORT": str(given)}, capture_output=True, timeout=30)
        assert ran.returncode == healthy, ran.stderr

    # The access log goes to stdout (here, the log file), one line per request.
    time.sleep(0.5)
    assert re.search(rf'"GET {re.escape(hashed)} HTTP/1\.1" 200', log.read_text())


def test_healthz_answers_503_when_the_database_is_out_of_reach():
    script = (
        "from django.test import Client\n"
        "response = Client().get('/healthz', headers={'host': '10.1.2.3'})\n"
        "print(response.status_code, response.content.decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=production_env(DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stdout + result.stderr
    assert json.loads(body) == {"status": "unavailable", "database": "unreachable"}
    assert "nobody" not in body  # the reason is logged, never shown


def test_healthz_answers_503_when_the_database_lacks_the_codes_newest_migration(client, db):
    """A load balancer must not send visitors to a deploy whose migrations have not run: every page would fail."""
    assert client.get(reverse("healthz")).json() == {"status": "ok", "database": "ok"}
    newest = health.newest_migration()
    assert newest == sorted(path.stem for path in (ROOT / "register" / "migrations").glob("0*.py"))[-1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'register' AND name = %s", [newest])
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": "not migrated"})
