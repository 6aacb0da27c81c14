"""Honest caching: public pages carry validators from the data version, a repeat with them gets 304, a cached copy
is served until the register changes, and a curator's edit or an import shows at once."""

import zlib
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from register import actions, caching
from register.events import announce
from register.models import DataVersion, Edition, Organisation
from tests.admin_forms import change_form_data
from tests.pagetext import page_text

ICB = "nhs-greater-manchester-integrated-care-board"


@pytest.fixture
def page(seed_data):
    return reverse("register:organisation", args=[ICB])


def test_a_public_page_carries_validators_and_a_repeat_with_them_gets_304(client, page, django_assert_num_queries):
    first = client.get(page)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert "no-cache" in first["Cache-Control"]
    assert "public" in first["Cache-Control"]
    with django_assert_num_queries(1):  # the data version, nothing else: no rendering
        repeat = client.get(page, headers={"if-none-match": first["ETag"]})
    assert repeat.status_code == 304
    assert repeat.content == b""
    assert repeat["ETag"] == first["ETag"]
    by_date = client.get(page, headers={"if-modified-since": first["Last-Modified"]})
    assert by_date.status_code == 304
    stale = client.get(page, headers={"if-none-match": 'W/"something-else"'})
    assert stale.status_code == 200


def test_a_cached_page_is_served_without_rendering_and_is_the_same_page(client, page, django_assert_num_queries):
    first = client.get(page)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(1):
        second = client.get(page)
    assert second["X-Page-Cache"] == "hit"
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    other_query = client.get(page, {"x": "1"})
    assert other_query["X-Page-Cache"] == "miss"


def test_a_cached_page_is_kept_compressed(client, page):
    """Anyone can fill the cache with addresses of their own (600 junk parameters added 17 MB to a worker): each page
    it keeps takes a fraction of its size."""
    with mock.patch.object(caching.cache, "set", wraps=caching.cache.set) as stored:
        first = client.get(page)
    [(key, (kept, _headers), _seconds)] = [
        call.args for call in stored.call_args_list if call.args[0].startswith("page:")
    ]
    assert len(kept) < len(first.content) / 3
    assert zlib.decompress(kept) == first.content
    assert client.get(page).content == first.content


def test_a_curator_edit_in_the_admin_shows_at_once(client, page, curator, django_capture_on_commit_callbacks):
    before = client.get(page)
    assert "A note from the curators" not in page_text(before)
    organisation = Organisation.objects.get(slug=ICB)
    editor = Client()
    editor.force_login(curator)
    url = reverse("admin:register_organisation_change", args=[organisation.pk])
    data = change_form_data(editor.get(url), notes="A note from the curators")
    with django_capture_on_commit_callbacks(execute=True):
        saved = editor.post(url, data)
    assert saved.status_code == 302
    after = client.get(page, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["X-Page-Cache"] == "miss"
    assert after["ETag"] != before["ETag"]
    assert "A note from the curators" in page_text(after)


def test_an_import_announcement_renews_the_data_version(page, client, django_capture_on_commit_callbacks):
    before = DataVersion.objects.get()
    etag = client.get(page)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        announce({1, 2}, Edition.objects.get(code="seed"))
    after = DataVersion.objects.get()
    assert after.token != before.token
    assert after.changed_at >= before.changed_at
    assert client.get(page, headers={"if-none-match": etag}).status_code == 200


def test_the_version_changes_in_the_changes_own_transaction_and_rolls_back_with_it(page, curator):
    """Renewed once the change had committed, the version lagged behind it by the search index's rebuild (up to 90 s
    after a full-size import), and for good when the process died in between: pages showed the new content under the
    old ETag, and a client holding the old copy got a 304."""
    before = DataVersion.objects.get().token
    seen_inside = []

    def change_that_fails():
        with transaction.atomic():
            actions.save_curated(Organisation.objects.get(slug=ICB), curator, ["notes"])
            seen_inside.append(DataVersion.objects.get().token)
            raise RuntimeError("the change fails after it was written")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert seen_inside[0] != before  # in the same transaction as the change
    assert DataVersion.objects.get().token == before  # and rolled back with it
    actions.save_curated(Organisation.objects.get(slug=ICB), curator, ["notes"])
    assert DataVersion.objects.get().token != before


def test_rebuilding_the_search_index_renews_the_version(page):
    """Run after a restore or a failed refresh, it left pages cached with the old facet counts being served."""
    before = DataVersion.objects.get().token
    call_command("rebuild_search_index", verbosity=0)
    assert DataVersion.objects.get().token != before


def test_many_changes_in_one_transaction_never_date_the_version_ahead_of_the_clock(page):
    """Each announcement pushed the date a second on: a merge of 12 organisations left it 9 s ahead of the clock."""
    for _ in range(12):
        caching.bump()
    assert DataVersion.objects.get().changed_at <= timezone.now() + timedelta(seconds=1)


def test_two_changes_within_a_second_have_different_last_modified_dates(client, page):
    """Last-Modified has whole seconds: two changes within one second gave both versions one date, and a client that
    revalidates by date alone got a 304 for the second."""
    DataVersion.objects.update(changed_at=timezone.now() - timedelta(minutes=5))  # no change for a while, then two
    caching.bump()
    first = client.get(page)["Last-Modified"]
    caching.bump()
    second = client.get(page)
    assert second["Last-Modified"] != first
    assert client.get(page, headers={"if-modified-since": first}).status_code == 200


def test_last_modified_follows_the_data_change(client, page):
    caching.bump()
    changed_at = DataVersion.objects.get().changed_at
    response = client.get(page)
    assert response["Last-Modified"] == http_date(max(changed_at, caching.RELEASED_AT).timestamp())


def test_signed_in_visitors_and_the_admin_get_fresh_uncached_pages(curator_client, page):
    for url in (page, reverse("admin:index")):
        response = curator_client.get(url)
        assert response.status_code == 200
        assert "ETag" not in response
        assert "X-Page-Cache" not in response


def test_development_serves_every_page_fresh_so_an_edited_template_shows_at_once(client, page, settings):
    settings.DEBUG = True
    for _ in range(2):
        response = client.get(page)
        assert response.status_code == 200
        assert "ETag" not in response
        assert "X-Page-Cache" not in response
    settings.DEBUG = False
    assert client.get(page)["X-Page-Cache"] == "miss"
    assert client.get(page)["X-Page-Cache"] == "hit"


def test_error_pages_and_redirects_are_not_cached(client, seed_data):
    missing = client.get(reverse("register:organisation", args=["no-such-body"]))
    assert missing.status_code == 404
    assert "ETag" not in missing
    moved = client.get(reverse("register:agreement", args=["dars-nic-616054-m4c8k"]))
    assert moved.status_code == 301
    assert "ETag" not in moved


def test_health_checks_are_never_cached(client, db):
    response = client.get(reverse("healthz"))
    assert "no-store" in response["Cache-Control"]
    assert "ETag" not in response


def test_the_version_survives_a_missing_row(client, page):
    DataVersion.objects.all().delete()
    assert client.get(page).status_code == 200
    caching.bump()
    assert DataVersion.objects.count() == 1


def test_a_page_read_on_a_later_day_is_not_served_from_yesterday(client, page):
    """Pages print the day they were read (a citation's "accessed"): neither the cache nor a 304 outlives it."""
    first = client.get(page)
    today = timezone.localdate()
    assert f"accessed {today:%-d %B %Y}" in page_text(first)
    assert client.get(page)["X-Page-Cache"] == "hit"
    tomorrow = timezone.now() + timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        for headers in ({}, {"if-none-match": first["ETag"]}, {"if-modified-since": first["Last-Modified"]}):
            later = client.get(page, headers=headers)
            assert later.status_code == 200
            assert f"accessed {timezone.localdate():%-d %B %Y}" in page_text(later)
        assert later["ETag"] != first["ETag"]
