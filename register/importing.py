"""Import one register file: check the edition, read the file (register.importers), write it (register.loader).

The command `import_register` and the admin upload page both call `import_register_file`; the upload page
runs it in a separate process (`start_run`) and follows an `ImportRun`'s progress. A run whose process has gone
without finishing (killed, or the server restarted) is told apart by `process_gone`: its transaction was rolled
back, so nothing changed. The process is looked up on the machine serving the page, which is where `start_run`
started it (one web container, as in compose.yaml).
"""

import contextlib
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from register import loader
from register.editions import edition_code, edition_from_name
from register.import_report import ImportReport
from register.import_timings import StageClock
from register.importers import read_register_file
from register.importers.errors import RegisterFileError
from register.models import Edition, ImportRun, OrganisationAlias

WRITING = "Writing to the database"


def sha256_of(blocks):
    """The sha256 of bytes given in blocks: how a register file is known again, whatever its name."""
    digest = hashlib.sha256()
    for block in blocks:
        digest.update(block)
    return digest.hexdigest()


def file_sha256(path):
    """The file's sha256; RegisterFileError when there is no file to read at `path`."""
    try:
        with open(path, "rb") as handle:
            return sha256_of(iter(lambda: handle.read(1024 * 1024), b""))
    except FileNotFoundError:
        raise RegisterFileError("there is no such file", file=str(path)) from None
    except IsADirectoryError:
        raise RegisterFileError("this is a folder, not a register file", file=str(path)) from None
    except PermissionError:
        raise RegisterFileError("the file cannot be read (permission denied)", file=str(path)) from None


def import_register_file(
    path, edition=None, dry_run=False, progress=None, source_name=None, clock=None, withdraw_many=False
):
    """Import `path`; returns the ImportReport. Raises RegisterFileError (nothing changed) when the file is bad.
    `clock` (a StageClock) records where the time went; `withdraw_many` lets a full listing withdraw most of what
    the one before it listed (register.loader.MOST_WITHDRAWN)."""
    started = time.perf_counter()
    path = Path(path)
    clock = clock or StageClock()
    source_name = source_name or path.name
    if edition:
        edition_code(source_name, edition)  # a given edition that is not a month is an error, even for a known file
    clock.start("checking the file (sha256, already imported?)")
    sha256 = file_sha256(path)
    same = already_imported(sha256)
    if same:  # known before reading a byte of it, whatever its name: the same file changes nothing
        report = ImportReport(file=source_name, edition=same.code, register=same.register, dry_run=dry_run)
        report.already_imported = True
        clock.stop()
        return report
    code = edition_code(source_name, edition)
    known = frozenset(OrganisationAlias.objects.values_list("key", flat=True))
    clock.start("reading the file into records")
    try:
        contents = read_register_file(path, label=source_name, known_keys=known, progress=progress)
    finally:
        clock.stop()
    named = edition_from_name(source_name)
    if edition and named and named != code[:7]:
        contents.warnings.append(
            f"the file's name says edition {named}, but it was imported as edition {code}, as given: check the month"
        )
    if progress:
        progress(WRITING, 0, None)
    return loader.load(
        contents,
        code=code,
        source_name=source_name,
        sha256=sha256,
        dry_run=dry_run,
        progress=progress,
        clock=clock,
        started=started,
        withdraw_many=withdraw_many,
    )


def already_imported(sha256):
    """The edition imported from the file with this sha256, or None."""
    return Edition.objects.filter(sha256=sha256).first()


def upload_dir():
    return Path(settings.REGISTER_UPLOAD_DIR)


class UploadNotKept(Exception):
    """The server could not keep an uploaded file (its upload folder missing or not writable): nothing was recorded."""


def create_run(user, upload, edition_code="", dry_run=False, withdraw_many=False):
    """Record an uploaded register file as an ImportRun and keep the file under REGISTER_UPLOAD_DIR/run-N/ (its
    name made safe); the import itself starts with `start_run`. Both or neither: a file that cannot be written
    raises UploadNotKept, leaving no run behind (it would wait to start for ever) and no part of the file."""
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                user=user,
                original_name=upload.name[:255],
                size=upload.size,
                edition_code=edition_code,
                dry_run=dry_run,
                withdraw_many=withdraw_many,
            )
            folder = upload_dir() / f"run-{run.pk}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / (get_valid_filename(upload.name) or "register-file")
                with target.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
            except OSError:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            run.file_path = str(target)
            run.save(update_fields=["file_path"])
    except OSError as error:
        raise UploadNotKept(
            f"The server could not keep the file in its upload folder ({error.strerror or error}): nothing was "
            "imported. Its REGISTER_UPLOAD_DIR must exist and be writable by the site; tell whoever runs it."
        ) from error
    return run


def start_run(run):
    """Run an uploaded file's import away from the web request: in a new process, or at once in tests."""
    if settings.REGISTER_IMPORT_INLINE:
        execute_run(run.pk)
        return
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "import_register", "--run", str(run.pk)]
    log = open(upload_dir() / f"run-{run.pk}.log", "ab")  # noqa: SIM115 - handed to the child process
    process = subprocess.Popen(
        command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True, env=os.environ
    )
    log.close()
    ImportRun.objects.filter(pk=run.pk).update(pid=process.pid)


def limit_memory(limit):
    """Let this process use at most `limit` bytes of memory (address space): past it, an allocation fails, and the
    process ends (python-calamine aborts; Python raises MemoryError, which `execute_run` records) instead of taking
    the machine's memory from the site. For an upload's own process only (`import_register --run`)."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def process_gone(run):
    """True when an unfinished run's import process no longer runs (or is a zombie): it will never finish."""
    if run.is_finished or run.pid is None:
        return False
    try:
        status = Path(f"/proc/{run.pid}/status").read_text()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc here: ask the kernel instead
        try:
            os.kill(run.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return any(line.startswith("State:") and "Z" in line.split()[1] for line in status.splitlines())


def edition_saved_by(run):
    """The edition a stopped run's file was imported as, when its process stopped after committing (before it
    recorded its report), or None: then its transaction rolled back, and nothing changed."""
    if not run.file_path:
        return None
    try:
        return already_imported(file_sha256(run.file_path))
    except RegisterFileError:  # no file left to tell by
        return None


def execute_run(run_id):
    """Import an ImportRun's file, recording its status, progress and report on the run."""
    run = ImportRun.objects.get(pk=run_id)
    run.status = ImportRun.Status.RUNNING
    run.progress = "Reading the file"
    run.save(update_fields=["status", "progress"])
    seen = set()

    def progress(stage, done, total):
        # Only stages outside the import's transaction are written: inside it, the run's row could not be seen.
        if stage.startswith("Reading"):
            ImportRun.objects.filter(pk=run_id).update(progress=f"{stage}: {done:,} rows read")
        elif stage == WRITING and stage not in seen:
            seen.add(stage)
            ImportRun.objects.filter(pk=run_id).update(progress="Writing to the database (one transaction)")

    try:
        report = import_register_file(
            run.file_path,
            edition=run.edition_code or None,
            dry_run=run.dry_run,
            progress=progress,
            source_name=run.original_name,
            withdraw_many=run.withdraw_many,
        )
    except RegisterFileError as error:
        run.status, run.error, run.progress = ImportRun.Status.FAILED, str(error), ""
    except MemoryError:
        limit = settings.REGISTER_IMPORT_MAX_MEMORY_BYTES / 1024**3
        run.status, run.progress = ImportRun.Status.FAILED, ""
        run.error = (
            f"The import needed more than the {limit:g} GB of memory an import may use "
            "(REGISTER_IMPORT_MAX_MEMORY_BYTES): the file holds far more than a register does."
        )
    except Exception as error:  # noqa: BLE001 - the run must end with a status a curator can read
        run.status, run.error, run.progress = ImportRun.Status.FAILED, f"The import failed: {error!r}", ""
    else:
        run.status, run.progress, run.report = ImportRun.Status.DONE, "", report.as_dict()
        run.edition = None if report.dry_run else Edition.objects.filter(code=report.edition).first()
    run.finished_at = timezone.now()
    if run.status == ImportRun.Status.FAILED or run.dry_run or (run.report or {}).get("already_imported"):
        discard_upload(run)
    run.save()
    return run


def discard_upload(run):
    """Remove the stored file of a run that changed nothing (it failed, was a dry run, or was imported before):
    only an edition's own file is worth keeping, and junk must not fill the disk. Its log and report stay."""
    path = Path(run.file_path) if run.file_path else None
    if path is None or upload_dir().resolve() not in path.resolve().parents:
        return
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()  # run-N/, now empty
    run.file_path = ""
