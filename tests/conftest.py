import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

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
def curator(db):
    user = User.objects.create_user("curator", "curator@example.org", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client
