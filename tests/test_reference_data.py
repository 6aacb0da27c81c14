"""The reference organisations (ICBs, sub-ICB locations, CCGs) are loaded once; after that they are the curators'."""

import io

import pytest
from django.core.management import call_command

from register import actions
from register.importing import import_register_file
from register.models import LoadedFixture, Organisation
from tests import factories
from tests.importing import small_register, write_register

GREATER_MANCHESTER = "nhs-greater-manchester-integrated-care-board"


@pytest.mark.django_db
def test_a_curators_merge_and_edits_of_reference_organisations_survive_loading_and_imports(curator, tmp_path):
    """ "Loaded" was read as 42 ICBs with ODS codes: a curator's merge of two ICBs made the next make run, deployment
    or import load the fixture again, wiping every reference organisation's notes and corrections and bringing the
    merged ICB back (its address a page again instead of a redirect)."""
    assert LoadedFixture.objects.filter(name="nhs_organisations").exists()
    merged, kept = Organisation.objects.filter(kind=Organisation.Kind.ICB).exclude(ods_code="").order_by("name")[:2]
    actions.merge_organisations(merged, kept, curator)
    Organisation.objects.filter(slug=GREATER_MANCHESTER).update(
        name="NHS Greater Manchester ICB (corrected)", notes="A curator's note", curated_fields=["name"]
    )
    icbs = Organisation.objects.filter(kind=Organisation.Kind.ICB).count()

    out = io.StringIO()
    call_command("load_site_data", no_seed=True, stdout=out)
    assert "Reference organisations: already loaded." in out.getvalue()
    import_register_file(write_register(small_register(agreements=3, files=6), tmp_path))

    assert not Organisation.objects.filter(slug=merged.slug).exists()
    assert Organisation.objects.filter(kind=Organisation.Kind.ICB).count() == icbs
    icb = Organisation.objects.get(slug=GREATER_MANCHESTER)
    assert (icb.name, icb.notes, icb.curated_fields) == (
        "NHS Greater Manchester ICB (corrected)",
        "A curator's note",
        ["name"],
    )


@pytest.mark.django_db
def test_the_reference_organisations_load_where_they_were_never_recorded_as_loaded():
    """What load_site_data does on a new site: the fixture loads, and is recorded as loaded, in one step."""
    LoadedFixture.objects.all().delete()
    Organisation.objects.filter(slug=GREATER_MANCHESTER).update(ods_code="", name="Not the fixture's name")
    out = io.StringIO()
    call_command("load_site_data", no_seed=True, stdout=out)
    assert "already loaded" not in out.getvalue()
    icb = Organisation.objects.get(slug=GREATER_MANCHESTER)
    assert (icb.name, icb.ods_code) == ("NHS Greater Manchester Integrated Care Board", "QOP")
    assert LoadedFixture.objects.filter(name="nhs_organisations").count() == 1


@pytest.mark.django_db
def test_a_note_alone_renews_the_pages_but_rebuilds_no_agreements_derived_data(curator, announcements):
    """A note on a dataset re-indexed every agreement naming it (507 for a common one: 5 s on PostgreSQL)."""
    agreement = factories.agreement("DARS-NIC-700301-AAAAA", applicant="UNIVERSITY OF LEEDS")
    leeds = agreement.latest_version.applicant
    leeds.notes = "A curator's note"
    actions.save_curated(leeds, curator, ["notes"])
    leeds.name = "University of Leeds (corrected)"
    actions.save_curated(leeds, curator, ["name"])
    assert [heard["agreement_ids"] for heard in announcements] == [set(), {agreement.pk}]
