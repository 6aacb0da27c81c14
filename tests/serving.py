"""The site served as in production, for the tests that need a real server: gunicorn under production settings,
on a free loopback port, with collected static files, against a committed database (tests/scratch.py)."""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.scratch import ROOT

GUNICORN = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(**extra):
    """This process's environment without any DJANGO_ setting, a fresh secret key, this venv first on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.update(extra)
    return env


def _healthy(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:  # not listening yet, or answering an error
        return False


@contextlib.contextmanager
def serve(env, folder, command=GUNICORN):
    """Collect static files into `folder`, run `command` (gunicorn) with `env` on a free port until /healthz
    answers, and yield (port, log file); the server is stopped on leaving."""
    env = {**env, "DJANGO_STATIC_ROOT": str(folder / "staticfiles")}
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert collect.returncode == 0, collect.stderr
    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            assert server.poll() is None, f"gunicorn exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"gunicorn did not answer within 60 s:\n{log.read_text()}"
            time.sleep(0.25)
        yield port, log
    finally:
        server.terminate()
        server.wait(timeout=30)
