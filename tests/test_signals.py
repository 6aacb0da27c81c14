"""Signals in the database: computed from generated registers (test factories, and synthetic workbooks imported for
real), reviewed by curators, kept through re-imports, and shown, filtered, counted and downloaded."""

import copy
import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from register import actions, synthetic
from register.importing import import_register_file
from register.models import Agreement, AuditEntry, Edition, FileRelease, Organisation, Signal
from register.signals import display, store
from tests import factories
from tests.importing import write_register
from tests.pagetext import page_text

D = datetime.date


def compute():
    """Work the signals out and re-derive the list's facets, as an import does."""
    outcome = store.refresh()
    factories.index()
    return outcome


def kinds_of(agreement):
    return set(Signal.objects.filter(agreement=agreement, is_current=True).values_list("kind", flat=True))


# --- Each kind, on a register built by the test factories: one that triggers it, one that must not --------------


# The agreement that triggers a kind and the one that must not are built side by side, apart in reference and
# applicant (organisation-scope kinds compare an organisation's agreements).
def made(trigger, **fields):
    reference = "DARS-NIC-600001-FOUND" if trigger else "DARS-NIC-600002-CLEAN"
    applicant = "UNIVERSITY OF YORK" if trigger else "UNIVERSITY OF HULL"
    return factories.agreement(reference, applicant=applicant, **fields)


def outside_dsa(trigger):
    month = D(2026, 9, 1) if trigger else D(2026, 3, 1)
    return made(trigger, files=[(factories.HES_APC, month, False)])


def mixed_opt_outs(trigger):
    second = D(2024, 5, 1) if trigger else D(2024, 6, 1)
    return made(trigger, files=[(factories.HES_APC, D(2024, 5, 1), True), (factories.HES_APC, second, False)])


def renewed(trigger):
    later = "---" if trigger else "A service for frail patients was redesigned."
    versions = [{"version": "1.2", "yielded_benefits": "Two papers."}, {"version": "2.1", "yielded_benefits": later}]
    return made(trigger, versions=versions)


def commercial(trigger):
    return made(trigger, commercial=True, sublicensing=trigger, applicant_type="Commercial")


def confidentiality(trigger):
    duty = "" if trigger else factories.CONFIDENTIALITY[1]
    return made(trigger, datasets=[factories.use(type_of_data="Identifiable", common_law_duty=duty)])


def after_end(trigger):
    first, second = factories.edition("2025-11"), factories.edition("2025-12", month=D(2025, 12, 1))
    agreement = made(
        trigger,
        dsa_start=D(2021, 4, 1),
        dsa_end=D(2024, 3, 31),
        editions=[first, second],
        files=[(factories.HES_APC, D(2024, 2, 1), False)],
    )
    FileRelease.objects.filter(agreement=agreement).update(first_edition=second if trigger else first)
    return agreement


def end_before_start(trigger):
    return made(trigger, dsa_start=D(2024, 4, 1), dsa_end=D(2023, 3, 31) if trigger else D(2027, 3, 31))


def empty_purposes(trigger):
    return made(trigger, texts={"objectives": "" if trigger else "To study hip fractures."})


def wrong_column(trigger):
    text = "Sole Data Controller" if trigger else "No"  # as the loader reads it: not a Yes/No answer, so None
    return made(
        trigger, versions=[{"version": "1.2", "commercial_text": text, "commercial": None if trigger else False}]
    )


def after_edition(trigger):
    agreement = made(trigger, files=[(factories.HES_APC, D(2025, 12, 1) if trigger else D(2025, 10, 1), False)])
    FileRelease.objects.filter(agreement=agreement).update(first_edition=factories.edition("2025-11"))
    return agreement


BUILDERS = {
    "released-outside-dsa": outside_dsa,
    "opt-outs-mixed": mixed_opt_outs,
    "renewed-without-benefits": renewed,
    "commercial-sublicensing": commercial,
    "confidentiality-basis-missing": confidentiality,
    "listed-after-end-with-new-files": after_end,
    "end-before-start": end_before_start,
    "empty-purposes": empty_purposes,
    "value-in-wrong-column": wrong_column,
    "file-after-its-edition": after_edition,
}


def test_every_kind_has_a_generated_register():
    from register import signals

    assert set(BUILDERS) == set(signals.BY_CODE)


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(BUILDERS))
def test_a_generated_register_that_triggers_each_kind_and_one_that_does_not(code):
    found, clean = BUILDERS[code](True), BUILDERS[code](False)
    compute()
    assert code in kinds_of(found)
    assert code not in kinds_of(clean)
    signal = Signal.objects.get(agreement=found, kind=code)
    assert signal.status == Signal.Status.OPEN
    assert signal.is_current
    assert signal.evidence
    assert len(signal.evidence_hash) == 64
    assert signal.explanation


# --- Computed at import time, reviews kept through re-imports -------------------------------------------------------


def monthly(edition="2025-10", seed=3):
    """A small synthetic register whose first agreement is commercial with sublicensing on its latest version."""
    register = synthetic.build(seed=seed, agreements=5, files=30, edition=edition)
    flagged = register.agreements[0]
    flagged.versions[-1][8] = "Yes"  # Does Sublicensing Apply
    flagged.versions[-1][9] = "Yes"  # For Commercial Purposes
    for other in register.agreements[1:]:
        for row in other.versions:
            row[8] = row[9] = "No"
    return register


def the_next(register, edition="2025-11"):
    following = copy.deepcopy(register)
    following.edition = edition
    return following


def flagged_reference(register):
    return register.agreements[0].base


@pytest.mark.django_db
def test_signals_are_worked_out_inside_the_import_and_reported(tmp_path):
    register = monthly()
    report = import_register_file(write_register(register, tmp_path))
    agreement = Agreement.objects.get(reference=flagged_reference(register))
    assert "commercial-sublicensing" in kinds_of(agreement)
    assert report.signals["found"]["commercial-sublicensing"] == 1
    assert report.signals["created"] == Signal.objects.count()
    assert Edition.objects.get(code="2025-10").summary["signals"]["created"] == Signal.objects.count()
    assert set(Signal.objects.values_list("found_in__code", flat=True)) == {"2025-10"}
    assert any(line.startswith("Signals of the agreements imported:") for line in report.lines())


@pytest.mark.django_db
def test_a_dry_run_stores_no_signal(tmp_path):
    import_register_file(write_register(monthly(), tmp_path), dry_run=True)
    assert not Signal.objects.exists()


@pytest.mark.django_db
def test_a_review_survives_a_reimport_while_its_evidence_is_unchanged(tmp_path, curator):
    register = monthly()
    import_register_file(write_register(register, tmp_path))
    signal = Signal.objects.get(kind="commercial-sublicensing")
    actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="Sublicensing is to its own subsidiary.")
    following = the_next(register)
    row = following.agreements[0].versions[-1]
    row[1] = row[1] + " (retitled)"  # the import touches the agreement; the signal's evidence stays the same
    report = import_register_file(write_register(following, tmp_path))
    assert flagged_reference(register) in report.references["changed_agreements"]
    signal.refresh_from_db()
    assert signal.status == Signal.Status.DISMISSED
    assert signal.reason == "Sublicensing is to its own subsidiary."
    assert signal.is_current
    assert not signal.reopened_because
    assert report.signals["reopened"] == 0


@pytest.mark.django_db
def test_a_review_is_reopened_with_the_reason_when_the_evidence_changes(tmp_path, curator):
    register = monthly()
    import_register_file(write_register(register, tmp_path))
    signal = Signal.objects.get(kind="commercial-sublicensing")
    actions.review_signal(signal, curator, Signal.Status.CONFIRMED, note="Checked against the DSA.")
    old_hash = signal.evidence_hash
    following = the_next(register)
    following.agreements[0].versions[-1][7] = datetime.date(2031, 3, 31)  # DSA End Date: in the evidence
    report = import_register_file(write_register(following, tmp_path))
    signal.refresh_from_db()
    assert signal.status == Signal.Status.OPEN
    assert signal.evidence_hash != old_hash
    assert "its evidence changed with the import of edition 2025-11" in signal.reopened_because
    assert "confirmed by a curator by curator" in signal.reopened_because.casefold()
    assert signal.note == "Checked against the DSA."  # a note is not a verdict: it stays
    assert report.signals["reopened"] == 1
    entry = AuditEntry.objects.filter(object_id=str(signal.pk), user=None).get()
    assert entry.changes["status"] == ["confirmed", "open"]
    assert "edition 2025-11" in entry.changes["reopened_because"][1]


@pytest.mark.django_db
def test_a_signal_no_longer_found_is_kept_hidden_and_its_review_returns_with_the_same_evidence(curator):
    agreement = commercial(True)
    compute()
    signal = Signal.objects.get(agreement=agreement)
    actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="A licence to a university only.")
    version = agreement.latest_version
    version.sublicensing = False
    actions.save_curated(version, curator, ["sublicensing"])  # a curator's correction works signals out again
    signal.refresh_from_db()
    assert not signal.is_current
    assert signal.status == Signal.Status.DISMISSED
    version.sublicensing = True
    actions.save_curated(version, curator, ["sublicensing"])
    signal.refresh_from_db()
    assert signal.is_current
    assert signal.status == Signal.Status.DISMISSED


@pytest.mark.django_db
def test_reviews_of_signals_keyed_by_an_organisation_or_a_dataset_survive_a_curators_merge(curator):
    """opt-outs-mixed is keyed by organisation and dataset ids, confidentiality-basis-missing by dataset id: a merge
    re-keys them, so the curator's review stands, and no unreviewed twin appears."""
    agreement = made(
        True,
        datasets=[factories.use(type_of_data="Identifiable", common_law_duty="")],
        files=[(factories.HES_APC, D(2024, 5, 1), True), (factories.HES_APC, D(2024, 5, 1), False)],
    )
    compute()
    reviewed = {}
    for kind in ("opt-outs-mixed", "confidentiality-basis-missing"):
        signal = Signal.objects.get(agreement=agreement, kind=kind)
        actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason=f"Checked: {kind}.")
        reviewed[kind] = signal.pk
    york = Organisation.objects.get(slug="university-of-york")
    kept_organisation = factories.organisation("The University of York (kept)")
    actions.merge_organisations(york, kept_organisation, curator)
    kept_dataset = factories.dataset("HES Admitted Patient Care")
    actions.merge_datasets(factories.dataset(factories.HES_APC), kept_dataset, curator)
    current = Signal.objects.filter(agreement=agreement, is_current=True)
    assert sorted(current.values_list("kind", flat=True)) == ["confidentiality-basis-missing", "opt-outs-mixed"]
    for signal in current:
        assert signal.pk == reviewed[signal.kind]
        assert signal.status == Signal.Status.DISMISSED
        assert signal.reason == f"Checked: {signal.kind}."
        assert signal.dataset_id == kept_dataset.pk
    mixed = current.get(kind="opt-outs-mixed")
    assert mixed.key == f"{kept_organisation.pk}:{kept_dataset.pk}"
    assert mixed.organisation_id == kept_organisation.pk
    assert not Signal.objects.filter(agreement=agreement, is_current=False).exists()


# --- Reviews -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dismissal_needs_a_reason_and_every_review_is_audited(curator):
    agreement = commercial(True)
    compute()
    signal = Signal.objects.get(agreement=agreement)
    with pytest.raises(actions.ReviewError, match="a reason is required"):
        actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="  ")
    signal.refresh_from_db()
    assert signal.status == Signal.Status.OPEN
    assert not AuditEntry.objects.exists()
    actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="Not commercial in practice.")
    actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="Not commercial in practice.")  # no change
    entry = AuditEntry.objects.get()
    assert entry.user == curator
    assert entry.changes == {"status": ["open", "dismissed"], "reason": ["", "Not commercial in practice."]}
    signal.refresh_from_db()
    assert signal.reviewed_by == curator
    assert signal.reviewed_at is not None


# --- Pages, filter, downloads --------------------------------------------------------------------------------------


@pytest.fixture
def flagged(db):
    """Three agreements: one with two signals, one with one (dismissed below by tests that need it), one clean."""
    icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    bolton = factories.organisation("NHS Greater Manchester ICB - 00T")
    two = factories.agreement(
        "DARS-NIC-400001-AAAAA",
        title="Commissioning in Bolton",
        applicant=bolton,
        applicant_type="Sub ICB Location",
        commercial=True,
        sublicensing=True,
        datasets=[factories.use(type_of_data="Identifiable", common_law_duty="")],
    )
    one = factories.agreement(
        "DARS-NIC-400002-BBBBB",
        title="Hip fractures",
        applicant=factories.organisation("UNIVERSITY OF LEEDS", kind="university"),
        commercial=True,
        sublicensing=True,
    )
    clean = factories.agreement("DARS-NIC-400003-CCCCC", title="Asthma", applicant="LEEDS CITY COUNCIL")
    compute()
    return {"two": two, "one": one, "clean": clean, "icb": icb}


def test_the_agreement_page_shows_each_signal_with_its_evidence_and_definition(client, flagged):
    response = client.get(flagged["two"].get_absolute_url())
    text = page_text(response)
    body = response.content.decode()
    assert "Signals" in text
    assert "Commercial purpose with sublicensing allowed" in text
    assert "Identifying data without a confidentiality basis" in text
    assert "says the data is for commercial purposes and that sublicensing applies" in text
    assert "Evidence: 1 row of the register" in text
    assert "(empty)" in text  # the evidence quotes the register's empty confidentiality cell
    assert f'href="{reverse("register:signals")}#signal-commercial-sublicensing"' in body
    assert f'href="{reverse("register:agreements")}?signal=commercial-sublicensing"' in body
    assert "Signals" not in page_text(client.get(flagged["clean"].get_absolute_url())).split("At a glance")[1]


@pytest.mark.django_db
def test_dismissed_signals_leave_the_pages_and_confirmed_ones_say_so(client, flagged, curator, settings):
    settings.PAGE_CACHE_SECONDS = 0
    signal = Signal.objects.get(agreement=flagged["two"], kind="commercial-sublicensing")
    actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="Checked: no sublicence granted.")
    other = Signal.objects.get(agreement=flagged["two"], kind="confidentiality-basis-missing")
    actions.review_signal(other, curator, Signal.Status.CONFIRMED, note="The DSA gives no basis either.")
    factories.index()
    text = page_text(client.get(flagged["two"].get_absolute_url()))
    assert "Commercial purpose with sublicensing allowed" not in text
    assert "Checked: no sublicence granted." not in text  # the reason stays with curators
    assert "Confirmed by a curator" in text
    assert "Curator's note: The DSA gives no basis either." in text
    counts = page_text(client.get(reverse("register:signals")))
    assert "Commercial purpose with sublicensing allowed 1 agreement with" in counts  # Leeds's, not dismissed
    listed = client.get(reverse("register:agreements"), {"signal": "commercial-sublicensing"})
    assert "Hip fractures" in page_text(listed)
    assert "Commercial purpose with sublicensing allowed" in page_text(listed)
    assert "Commissioning in Bolton" not in page_text(listed)


def test_the_signals_page_counts_every_kind_and_links_each_to_its_list_and_definition(client, flagged, curator):
    signal = Signal.objects.get(agreement=flagged["one"])
    actions.review_signal(signal, curator, Signal.Status.DISMISSED, reason="Duplicate of another agreement.")
    factories.index()
    response = client.get(reverse("register:signals"))
    assert response.status_code == 200
    body = response.content.decode()
    rows = {
        row[0]: row[1:]
        for row in _table_rows(body)
        if row and row[0] in {"Commercial purpose with sublicensing allowed", "DSA ends before it starts"}
    }
    # Agreements shown, not reviewed, confirmed, dismissed.
    assert rows["Commercial purpose with sublicensing allowed"][:4] == ["1", "1", "0", "1"]
    assert rows["DSA ends before it starts"][:4] == ["0", "0", "0", "0"]
    assert "A count of 0 is not a clean bill." in body  # the quarterly registers cannot show every signal
    from register import signals

    for kind in signals.KINDS:
        assert f'id="{kind.anchor}"' in body
        assert f'href="#{kind.anchor}"' in body or f'href="{reverse("register:signals")}#{kind.anchor}"' in body
        assert f'href="{reverse("register:agreements")}?signal={kind.code}"' in body
    assert f'href="{reverse("register:agreements-csv")}?signal=commercial-sublicensing"' in body


def _table_rows(body):
    """[[cell text]] of every table row of a page."""
    import re

    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append(
            [" ".join(re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", " ", c).split()) for c in cells]
        )
    return rows


def test_the_agreement_list_filters_on_a_signal_and_counts_each_kind(client, flagged, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):
        response = client.get(reverse("register:agreements"), {"signal": "confidentiality-basis-missing"})
    text = page_text(response)
    assert "1 agreement matches" in text
    assert "Commissioning in Bolton" in text
    assert "Hip fractures" not in text
    # Facet counts: each choice says how many agreements it would give.
    whole = page_text(client.get(reverse("register:agreements")))
    assert "Commercial purpose with sublicensing allowed (2)" in whole
    assert "Identifying data without a confidentiality basis (1)" in whole
    bad = client.get(reverse("register:agreements"), {"signal": "made-up"})
    assert bad.status_code == 400
    assert "Signals: choose" in page_text(bad) or "Select a valid choice" in page_text(bad)


def test_downloads_list_each_agreements_signal_kinds(client, flagged):
    response = client.get(reverse("register:agreements-csv"), {"sort": "title"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_reference = {row["reference"]: row["signals"] for row in rows}
    assert by_reference == {
        "DARS-NIC-400001-AAAAA": "commercial-sublicensing; confidentiality-basis-missing",
        "DARS-NIC-400002-BBBBB": "commercial-sublicensing",
        "DARS-NIC-400003-CCCCC": "",
    }
    filtered = client.get(reverse("register:agreements-json"), {"signal": "confidentiality-basis-missing"})
    data = json.loads(b"".join(filtered.streaming_content))
    assert [row["signals"] for row in data["rows"]] == [["commercial-sublicensing", "confidentiality-basis-missing"]]
    assert "signals" in [field["name"] for field in data["fields"]]


def test_organisation_icb_and_dataset_pages_show_their_signals(client, flagged, django_assert_max_num_queries):
    icb = flagged["icb"]
    bolton = Organisation.objects.get(slug="nhs-greater-manchester-icb-00t")
    if bolton.parent_id != icb.pk:
        Organisation.objects.filter(pk=bolton.pk).update(parent=icb)
    with django_assert_max_num_queries(16):
        response = client.get(icb.get_absolute_url())
    text = page_text(response)
    assert "Signals on these agreements" in text
    assert "Commissioning in Bolton" in text.split("Signals on these agreements")[1]
    assert f"?organisation={icb.slug}&amp;signal=confidentiality-basis-missing" in response.content.decode()
    leeds = page_text(client.get(Organisation.objects.get(slug="university-of-leeds").get_absolute_url()))
    assert "Commercial purpose with sublicensing allowed" in leeds
    assert "Identifying data without a confidentiality basis" not in leeds
    council = page_text(client.get(Organisation.objects.get(slug="leeds-city-council").get_absolute_url()))
    assert "Signals on these agreements" not in council
    dataset = flagged["two"].latest_version.dataset_uses.get().dataset
    # Two reads more since 2026-12-01: names that may be the same dataset, and the registers its citation names.
    with django_assert_max_num_queries(14):
        page = client.get(dataset.get_absolute_url())
    text = page_text(page)
    assert "Signals about this dataset" in text
    assert "Identifying data without a confidentiality basis" in text
    assert "List the 1 agreement with it" in text


@pytest.mark.django_db
def test_the_signals_page_reads_little_however_many_signals(client, django_assert_max_num_queries):
    for number in range(12):
        factories.agreement(f"DARS-NIC-5000{number:02d}-ZZZZZ", commercial=True, sublicensing=True)
    compute()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("register:signals"))
    assert "Commercial purpose with sublicensing allowed 12 agreements" in page_text(response)


# --- The admin -----------------------------------------------------------------------------------------------------


def signal_admin(view, *args):
    return reverse(f"admin:register_signal_{view}", args=args)


def test_curators_review_signals_in_the_admin_and_a_dismissal_needs_a_reason(curator_client, curator, flagged):
    signal = Signal.objects.get(agreement=flagged["one"])
    listing = curator_client.get(signal_admin("changelist"), {"kind": "commercial-sublicensing"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    page = curator_client.get(signal_admin("change", signal.pk))
    assert page.status_code == 200
    text = page_text(page)
    assert "says the data is for commercial purposes" in text
    assert "Does sublicensing apply" in text  # the evidence table's heading
    assert "Read the definition" in text
    refused = curator_client.post(signal_admin("change", signal.pk), {"status": "dismissed", "reason": "", "note": ""})
    assert refused.status_code == 200
    assert "a reason is required" in page_text(refused)
    signal.refresh_from_db()
    assert signal.status == Signal.Status.OPEN
    assert not AuditEntry.objects.exists()
    done = curator_client.post(
        signal_admin("change", signal.pk), {"status": "dismissed", "reason": "A university spin-out.", "note": ""}
    )
    assert done.status_code == 302
    signal.refresh_from_db()
    assert signal.status == Signal.Status.DISMISSED
    assert signal.reviewed_by == curator
    entry = AuditEntry.objects.get(object_id=str(signal.pk))
    assert entry.user == curator
    assert entry.changes["status"] == ["open", "dismissed"]


def test_curators_confirm_several_at_once_and_never_add_or_delete_signals(curator_client, curator, flagged):
    pks = list(Signal.objects.values_list("pk", flat=True))
    response = curator_client.post(
        signal_admin("changelist"), {"action": "confirm_signals", "_selected_action": pks}, follow=True
    )
    assert response.status_code == 200
    assert set(Signal.objects.values_list("status", flat=True)) == {Signal.Status.CONFIRMED}
    assert AuditEntry.objects.filter(user=curator).count() == len(pks)
    assert curator_client.get(signal_admin("add")).status_code == 403
    assert curator_client.get(signal_admin("delete", pks[0])).status_code == 403


# --- compute_signals -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_compute_signals_works_out_every_agreement_and_keeps_reviews(curator):
    from django.core.management import CommandError, call_command

    agreement = commercial(True)
    out = io.StringIO()
    call_command("compute_signals", stdout=out)
    assert "commercial-sublicensing 1" in out.getvalue()
    signal = Signal.objects.get(agreement=agreement)
    actions.review_signal(signal, curator, Signal.Status.CONFIRMED)
    call_command("compute_signals", agreement.reference, stdout=io.StringIO())
    signal.refresh_from_db()
    assert signal.status == Signal.Status.CONFIRMED
    with pytest.raises(CommandError, match="No agreement has the reference DARS-NOPE"):
        call_command("compute_signals", "DARS-NOPE")


def test_a_reworded_explanation_is_rewritten_and_keeps_its_review(curator):
    """A signal's wording can improve between releases of the site (the quarterly register's files are now said
    to be in the same quarter, not month): the stored text follows, and the review stands, as the evidence is the
    same."""
    agreement = commercial(True)
    compute()
    signal = Signal.objects.get(agreement=agreement)
    actions.review_signal(signal, curator, Signal.Status.CONFIRMED)
    new_wording = signal.explanation
    Signal.objects.filter(pk=signal.pk).update(explanation="Yesterday's wording.")
    outcome = compute()
    signal.refresh_from_db()
    assert signal.explanation == new_wording
    assert signal.status == Signal.Status.CONFIRMED
    assert not signal.reopened_because
    assert (outcome.changed, outcome.reopened) == (1, 0)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2985, "2,985"), (12, "12"), (True, "True"), (None, ""), ("2985", "2985"), (["A", "B"], "A, B")],
)
def test_an_evidence_cell_groups_a_count_in_thousands_and_shows_the_rest_as_written(value, shown):
    assert display.cell(value) == shown
