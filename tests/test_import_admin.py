"""The admin upload page: curators import a file and follow it to its report; nobody else can; big files are refused."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from register import importing
from register.models import Edition, ImportRun
from tests.importing import small_register, table_counts, write_register
from tests.pagetext import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.REGISTER_UPLOAD_DIR = tmp_path / "uploads"
    return settings.REGISTER_UPLOAD_DIR


def upload(client, path, **fields):
    with path.open("rb") as handle:
        data = {"file": SimpleUploadedFile(path.name, handle.read()), **fields}
    return client.post(reverse("admin:register_importrun_upload"), data)


def test_the_admin_index_links_to_the_upload_page(curator_client):
    response = curator_client.get(reverse("admin:index"))
    assert reverse("admin:register_importrun_upload") in response.content.decode()


def test_a_curator_uploads_a_register_and_reads_its_report(curator_client, curator, tmp_path):
    register = small_register(files=1200)
    response = upload(curator_client, write_register(register, tmp_path))
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:register_importrun_status", args=[run.pk])
    assert run.status == ImportRun.Status.DONE
    assert run.user == curator
    assert run.edition == Edition.objects.get(code="2025-10")
    page = curator_client.get(response["Location"])
    text = page_text(page)
    assert "Edition 2025-10" in text
    assert register.counts["files"] >= 1000
    assert f"Files {register.counts['files']:,} 0 0 0" in text  # grouped in thousands, as the command prints it
    assert "Rows skipped (1)" in text
    assert 'http-equiv="refresh"' not in page.content.decode()  # finished: no more refreshing
    assert '<ol class="breadcrumbs">' in page.content.decode()  # Django's own breadcrumbs, styled as its pages'
    assert "/static/css/admin.css" in page.content.decode()  # long file names wrap (static/css/admin.css)


def test_a_dry_run_upload_saves_nothing(curator_client, tmp_path):
    path = write_register(small_register(), tmp_path)
    before = table_counts()
    upload(curator_client, path, dry_run="on")
    after = table_counts()
    assert after.pop("ImportRun") == before.pop("ImportRun") + 1
    assert after == before


def test_a_bad_file_is_reported_on_the_status_page(curator_client, tmp_path):
    path = tmp_path / "datausesregister_oct2025.xlsx"
    path.write_bytes(b"not a workbook\x00")
    response = upload(curator_client, path)
    text = page_text(curator_client.get(response["Location"]))
    assert "Failed" in text
    assert "datausesregister_oct2025.xlsx: not an Excel workbook or a CSV file" in text
    assert "Nothing was changed" in text
    assert not Edition.objects.exclude(register="seed").exists()


def test_only_an_imported_editions_file_is_kept(curator_client, tmp_path, uploads):
    good = write_register(small_register(), tmp_path)
    upload(curator_client, good)
    bad = tmp_path / "datausesregister_dec2025.xlsx"
    bad.write_bytes(b"junk" * 1000)
    upload(curator_client, bad)
    upload(curator_client, good)  # already imported
    upload(curator_client, write_register(small_register(seed=9, edition="2025-11"), tmp_path), dry_run="on")
    kept, failed, again, dry = ImportRun.objects.order_by("pk")
    assert kept.status == ImportRun.Status.DONE
    assert Path(kept.file_path).read_bytes() == good.read_bytes()
    assert failed.status == ImportRun.Status.FAILED
    for run in (failed, again, dry):
        assert run.file_path == ""
        assert not (uploads / f"run-{run.pk}").exists()
    assert [path.name for path in uploads.iterdir() if path.is_dir()] == [f"run-{kept.pk}"]


def test_a_running_import_page_refreshes_itself(curator_client, curator):
    # This test's own process stands in for the import's: alive.
    run = ImportRun.objects.create(
        user=curator, original_name="big.xlsx", status=ImportRun.Status.RUNNING, pid=os.getpid()
    )
    response = curator_client.get(reverse("admin:register_importrun_status", args=[run.pk]))
    assert '<meta http-equiv="refresh" content="3">' in response.content.decode()
    assert "Importing" in page_text(response)
    assert "Stopped" not in page_text(response)


def test_a_disagreement_with_a_curator_shows_what_differs_not_two_whole_texts(curator_client, curator):
    paragraphs = [f"Paragraph {number} of a long processing text, unchanged." for number in range(40)]
    curated = "\n".join(paragraphs)
    register = "\n".join([*paragraphs[:20], "Paragraph 20 as the register <now> words it.", *paragraphs[21:]])
    disagreement = {"model": "AgreementVersion", "object": "DARS-NIC-1-A-v1", "id": 1, "field": "processing_activities"}
    run = ImportRun.objects.create(
        user=curator,
        original_name="datausesregister_dec2025.xlsx",
        status=ImportRun.Status.DONE,
        report={"counts": {}, "disagreements": [{**disagreement, "curated": curated, "register": register}]},
    )
    body = curator_client.get(reverse("admin:register_importrun_status", args=[run.pk])).content.decode()
    assert "as the register <" not in body  # escaped
    assert '<ins><span class="visually-hidden">[added: </span>Paragraph 20 as the register &lt;now&gt; words' in body
    assert '<del><span class="visually-hidden">[removed: </span>Paragraph 20 of a long' in body
    assert "[… 19 unchanged paragraphs …]" in body
    assert "[… 18 unchanged paragraphs …]" in body
    assert body.count("long processing text, unchanged.") == 3  # the one replaced, and one either side of it


def test_an_import_that_runs_out_of_memory_says_so(curator_client, tmp_path, monkeypatch, settings):
    settings.REGISTER_IMPORT_MAX_MEMORY_BYTES = 2 * 1024**3

    def too_big(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(importing, "import_register_file", too_big)
    response = upload(curator_client, write_register(small_register(), tmp_path))
    text = page_text(curator_client.get(response["Location"]))
    assert "The import needed more than the 2 GB of memory an import may use" in text
    assert "Nothing was changed" in text


def test_an_import_whose_process_died_says_it_stopped_and_changed_nothing(curator_client, curator):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # reaped: its pid no longer names a process
    run = ImportRun.objects.create(
        user=curator,
        original_name="big.xlsx",
        status=ImportRun.Status.RUNNING,
        progress="Writing to the database (one transaction)",
        pid=ended.pid,
    )
    response = curator_client.get(reverse("admin:register_importrun_status", args=[run.pk]))
    text = page_text(response)
    assert "Stopped without finishing" in text
    assert "nothing was changed" in text
    assert 'http-equiv="refresh"' not in response.content.decode()  # it will never finish: stop refreshing


def test_an_import_whose_process_died_after_committing_says_its_edition_is_loaded(curator_client, curator, tmp_path):
    """A process killed between its commit and recording its report left a page saying "nothing was changed. Import
    the file again", and importing it again said only "already imported"."""
    path = write_register(small_register(), tmp_path)
    edition = importing.import_register_file(path).edition
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    run = ImportRun.objects.create(
        user=curator,
        original_name=path.name,
        status=ImportRun.Status.RUNNING,
        progress="Committing",
        pid=ended.pid,
        file_path=str(path),
    )
    text = page_text(curator_client.get(reverse("admin:register_importrun_status", args=[run.pk])))
    assert "Stopped without finishing" in text
    assert f"It stopped after its one transaction had committed: the file is loaded, as edition {edition}" in text
    assert "nothing was changed" not in text


def test_an_upload_run_in_its_own_process_records_that_process(curator_client, settings, tmp_path, monkeypatch):
    settings.REGISTER_IMPORT_INLINE = False
    started = []

    class FakeProcess:  # the process itself is not started here: only what the run records of it is checked
        pid = 4242

        def __init__(self, command, **kwargs):
            started.append(command)

    monkeypatch.setattr(importing.subprocess, "Popen", FakeProcess)
    upload(curator_client, write_register(small_register(), tmp_path))
    run = ImportRun.objects.get()
    assert len(started) == 1
    assert started[0][-2:] == ["--run", str(run.pk)]
    assert (run.status, run.pid) == (ImportRun.Status.QUEUED, 4242)


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(curator_client, settings, tmp_path):
    settings.REGISTER_UPLOAD_MAX_BYTES = 1024
    response = upload(curator_client, write_register(small_register(), tmp_path))
    assert response.status_code == 200
    assert "this page accepts files up to 0.0 MB" in page_text(response)
    assert not ImportRun.objects.exists()


def test_an_upload_folder_the_site_cannot_write_is_a_clear_error_leaving_no_run(curator_client, settings, tmp_path):
    """An upload folder the site could not write (a container's volume owned by root) answered 500 and left a run
    "waiting to start" that refreshed for ever."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder's parent should be")
    settings.REGISTER_UPLOAD_DIR = blocker / "uploads"
    response = upload(curator_client, write_register(small_register(), tmp_path))
    assert response.status_code == 200
    text = page_text(response)
    assert "The server could not keep the file in its upload folder" in text
    assert "REGISTER_UPLOAD_DIR must exist and be writable by the site" in text
    assert not ImportRun.objects.exists()


def test_the_edition_field_must_be_a_month(curator_client, tmp_path):
    response = upload(curator_client, write_register(small_register(), tmp_path), edition="November")
    assert "Write the edition as YYYY-MM" in page_text(response)
    response = upload(curator_client, write_register(small_register(), tmp_path), edition="9999-12")
    assert "Edition 9999-12 is a month that has not begun" in page_text(response)
    assert not ImportRun.objects.exists()


def test_a_file_whose_name_gives_no_month_needs_an_edition_before_it_is_accepted(curator_client, tmp_path):
    path = write_register(small_register(), tmp_path)
    renamed = path.rename(tmp_path / "register.xlsx")
    response = upload(curator_client, renamed)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Error: " in body
    assert "Please correct the error below." in body
    message = "The file name “register.xlsx” does not say which month the register covers: give the edition"
    assert message in page_text(response)
    box = re.search(r'<input type="text" name="edition"[^>]*>', body)[0]
    error_id = re.search(r'aria-describedby="[^"]*(id_edition_error)', box)[1]
    assert f'<ul class="errorlist" id="{error_id}">' in body  # the message is announced with its box
    assert not ImportRun.objects.exists()
    assert upload(curator_client, renamed, edition="2025-10").status_code == 302
    assert ImportRun.objects.get().status == ImportRun.Status.DONE


def test_a_file_already_imported_is_recognised_whatever_its_name(curator_client, tmp_path):
    path = write_register(small_register(), tmp_path)
    upload(curator_client, path)
    renamed = path.rename(tmp_path / "copy of the register.xlsx")
    response = upload(curator_client, renamed)  # no edition, none in the name: the same bytes need none
    assert response.status_code == 302
    text = page_text(curator_client.get(response["Location"]))
    assert "already imported as edition 2025-10" in text


@pytest.mark.parametrize("address", ["abc/change/", "1%2F/change/", "abc/status/"])
def test_an_import_run_address_that_is_not_a_number_is_not_found(curator_client, address):
    response = curator_client.get(reverse("admin:register_importrun_changelist") + address)
    assert response.status_code in (302, 404)
    if response.status_code == 302:  # the admin's own redirect of an unknown path, to a change page
        assert curator_client.get(response["Location"]).status_code == 404


def test_staff_who_are_not_curators_cannot_upload(client, tmp_path):
    outsider = User.objects.create_user("outsider", "o@example.org", "a-long-test-password", is_staff=True)
    client.force_login(outsider)
    refused = client.get(reverse("admin:register_importrun_upload"))
    assert refused.status_code == 403
    text = page_text(refused)
    assert "Your account may not open this page or do this." in text  # a page that says why, not a bare 403
    assert f'<a href="{reverse("admin:index")}">the curators\' pages</a>' in refused.content.decode()
    assert upload(client, write_register(small_register(), tmp_path)).status_code == 403
    assert not ImportRun.objects.exists()
    assert reverse("admin:register_importrun_upload") not in client.get(reverse("admin:index")).content.decode()


def test_visitors_are_sent_to_the_login_page(client, tmp_path):
    response = upload(client, write_register(small_register(), tmp_path))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert not ImportRun.objects.exists()
