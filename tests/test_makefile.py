"""The Makefile's own checks, run as a newcomer runs them (without installing anything)."""

import subprocess

from tests.scratch import ROOT


def make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_a_python_older_than_3_12_given_explicitly_is_refused_before_a_venv_is_made(tmp_path):
    """make PYTHON=<3.11> left a 3.11 .venv behind, after a wall of pip errors, that every later make reused."""
    old_python = tmp_path / "python3.11"
    old_python.write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.11.2"; exit 0; fi\nexit 1\n')
    old_python.chmod(0o755)
    venv = tmp_path / "venv"
    ran = make("install", f"VENV={venv}", f"PYTHON={old_python}")
    assert ran.returncode != 0
    assert f"this project needs Python 3.12 or newer; PYTHON={old_python} is Python 3.11.2." in ran.stderr
    assert not venv.exists()


def test_make_alone_and_make_import_without_a_file_say_what_to_type(tmp_path):
    venv = tmp_path / "venv"
    assert "make run" in make(f"VENV={venv}").stdout
    ran = make("import", f"VENV={venv}")
    assert ran.returncode == 2
    assert "usage: make import FILE=path/to/register.xlsx" in ran.stderr
    assert not venv.exists()  # nothing installed or migrated before the usage line
