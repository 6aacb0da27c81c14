import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command

from tests.urlwalk import object_urls

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SHARED_DATA = Path(os.environ.get("REGISTER_SHARED_DATA", SHARED / "data"))
SEED_PAGE = SHARED / "seed" / "000_cdc88a6c3c02142d.txt"


def shared_file(relative):
    """A real register file from ../shared/data, or a skip that says why the test cannot run."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real register file not available: {path} (the shared data folder is absent)")
    return path


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the site's reference organisations (ICBs, sub-ICB locations, CCGs)."""
    with django_db_blocker.unblock():
        call_command("load_site_data", no_seed=True, verbosity=0)


@pytest.fixture
def seed_data(db):
    call_command("loaddata", "seed_agreements", verbosity=0)
    call_command("rebuild_search_index", verbosity=0)  # fixtures load without announcing a change


@pytest.fixture
def known_urls(seed_data):
    """A few addresses of each kind of object page, with the seed loaded (tests/urlwalk.py)."""
    return object_urls()


@pytest.fixture
def curator(db):
    user = User.objects.create_user("curator", "curator@example.org", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def announcements():
    """What `register_changed` sends while the test runs: a list of each sending's keyword arguments."""
    from register.events import register_changed

    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    register_changed.connect(listener)
    yield heard
    register_changed.disconnect(listener)


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with an empty page cache (register.caching). The data version rolls back with each test's
    transaction, so a page one test cached could otherwise be served to the next one with other data."""
    cache.clear()


@pytest.fixture(scope="session")
def scratch_databases(tmp_path_factory):
    from tests.scratch import ScratchDatabases

    databases = ScratchDatabases(tmp_path_factory.mktemp("scratch"))
    yield databases
    databases.drop_all()


@pytest.fixture
def scratch_database(scratch_databases, request):
    """The DATABASE_URL of a fresh, committed database (same engine as the run) with the reference
    organisations and seed agreements, for tests that run manage.py, make or gunicorn against it."""
    return scratch_databases.copy(re.sub(r"\W", "_", request.node.name)[-30:])


def pytest_terminal_summary(terminalreporter):
    """The bad-input harness's counts: generated requests per URL pattern (tests/test_bad_input.py)."""
    from tests.fuzzing import EXAMPLES

    if EXAMPLES:
        terminalreporter.section("generated bad-input requests per URL pattern")
        for name, count in sorted(EXAMPLES.items()):
            terminalreporter.write_line(f"{name}: {count}")
        terminalreporter.write_line(f"total: {sum(EXAMPLES.values())}")
