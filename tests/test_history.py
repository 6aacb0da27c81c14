"""An agreement's whole history across editions imported in any order: which editions listed each version and
what each said, first and last seen, withdrawn; and what each edition added, changed and withdrew
(register.changes), checked against the generated editions themselves."""

import pytest

from register import changes
from register.contents import listed_content
from register.models import Agreement, AgreementVersion, Edition, VersionListing
from tests.editions import IMPORT_ORDER, import_three_editions

pytestmark = pytest.mark.django_db

CODES = ["2025-10", "2025-11", "2025-12"]


@pytest.fixture(params=[IMPORT_ORDER, CODES], ids=["out-of-order", "in-order"])
def three(tmp_path, request):
    return import_three_editions(tmp_path, order=request.param)


def test_every_listing_and_what_it_said_is_kept_whatever_the_import_order(three):
    editions = {code: Edition.objects.get(code=code) for code in CODES}
    for code in CODES:
        listed = three.contents(code)
        stored = VersionListing.objects.filter(edition=editions[code]).select_related("version")
        assert {listing.version.reference for listing in stored} == set(listed)
        for listing in stored:
            row, _ = listed[listing.version.reference]
            said = listed_content(listing)
            assert said is not None, f"{listing} has no content"
            assert (said["title"], said["yielded_benefits"], said["objectives"]) == (row[1], row[14], row[10])


def test_first_and_last_editions_and_withdrawals_follow_the_months_not_the_import_order(three):
    editions = {code: Edition.objects.get(code=code) for code in CODES}
    for version in AgreementVersion.objects.all():
        listed_in = [code for code in CODES if version.reference in three.contents(code)]
        assert (version.first_edition.code, version.last_edition.code) == (listed_in[0], listed_in[-1])
        following = CODES.index(listed_in[-1]) + 1
        expected = editions[CODES[following]] if following < len(CODES) else None
        assert version.withdrawn_in == expected, version.reference
    for agreement in Agreement.objects.all():
        listed_in = [code for code in CODES if agreement.reference in three.bases(code)]
        assert (agreement.first_edition.code, agreement.last_edition.code) == (listed_in[0], listed_in[-1])
        following = CODES.index(listed_in[-1]) + 1
        assert agreement.withdrawn_in == (editions[CODES[following]] if following < len(CODES) else None)
    assert Agreement.objects.filter(withdrawn_in__isnull=False).count() == 2  # one dropped by each later edition


def test_each_edition_is_compared_with_the_month_before(three):
    found = {entry.edition.code: entry for entry in changes.every_edition()}
    assert found["2025-10"].baseline
    assert found["2025-11"].previous.code == "2025-10"
    assert found["2025-12"].previous.code == "2025-11"
    references = dict(AgreementVersion.objects.values_list("pk", "reference"))
    for code, previous in (("2025-11", "2025-10"), ("2025-12", "2025-11")):
        expected = three.expected_changes(code, previous)
        got = {kind: set() for kind in changes.KINDS}
        for change in found[code].agreements.values():
            for version in change.versions:
                got[version.kind].add(references[version.version_id])
        assert got == expected, code
        assert all(expected.values()), expected  # each edition adds, changes and withdraws something
        added = three.bases(code) - three.bases(previous)
        withdrawn = three.bases(previous) - three.bases(code)
        agreements = dict(Agreement.objects.values_list("pk", "reference"))
        by_kind = {kind: {agreements[pk] for pk in found[code].agreement_ids(kind)} for kind in changes.KINDS}
        assert by_kind["added"] == added
        assert by_kind["withdrawn"] == withdrawn
        amended = {three.base_of(ref) for ref in expected["changed"] | expected["added"]} - added
        assert by_kind["changed"] == amended
