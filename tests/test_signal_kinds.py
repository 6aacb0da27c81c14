"""Each signal kind as the pure function it is: plain records in, findings out, no database.

`EXAMPLES` holds, for every kind, a register that triggers it and one that must not; a kind without an example
fails `test_every_kind_has_an_example`, so a new kind is one function and one entry here (and its own tests).
"""

import datetime

import pytest

from register import signals
from register.signals import store
from register.signals.base import Finding, is_blank
from register.signals.records import AgreementFacts, EditionFacts, FileFacts, RegisterFacts, UseFacts, VersionFacts

D = datetime.date
MONTHLY = EditionFacts(1, "2025-11", D(2025, 11, 1), "data-uses", True)
NEXT_MONTH = EditionFacts(2, "2025-12", D(2025, 12, 1), "data-uses", True)
QUARTERLY = EditionFacts(3, "2017-11", D(2017, 11, 1), "release", False)
HES = "Hospital Episode Statistics Admitted Patient Care (HES APC)"
ORG = 500


def version(number="1.2", base="DARS-NIC-100001-AAAAA", *, editions=(MONTHLY,), **fields):
    major, _, minor = number.partition(".")
    values = {
        "id": hash((base, number)) % 10**6,
        "agreement_id": 1,
        "reference": f"{base}-v{number}" if number else base,
        "version": number,
        "major": int(major or 0),
        "minor": int(minor or 0),
        "title": "Hip fractures",
        "applicant_id": ORG,
        "applicant_name": "UNIVERSITY OF LEEDS",
        "controllers": ["UNIVERSITY OF LEEDS"],
        "dsa_start": D(2021, 4, 1),
        "dsa_start_text": "2021-04-01",
        "dsa_end": D(2024, 3, 31),
        "dsa_end_text": "2024-03-31",
        "commercial": False,
        "commercial_text": "No",
        "sublicensing": False,
        "sublicensing_text": "No",
        "objectives": "To study hip fractures.",
        "yielded_benefits": "Two papers were published.",
        "editions": [edition.id for edition in editions],
        "uses": [UseFacts(0, 7, HES, "Pseudonymised", "One-Off", "Section 251 NHS Act 2006")],
        "states_details": any(edition.register != "release" for edition in editions),
    }
    values.update(fields)
    text = values.pop("objectives")
    yielded = values.pop("yielded_benefits")
    found = VersionFacts(**values)
    found.objectives_start = text
    found.yielded_benefits_start = yielded
    found.yielded_benefits_fingerprint = signals.base.fingerprint(yielded)
    return found


def file(reference, of, month, applied=False, **fields):
    values = {
        "file_reference": reference,
        "version_id": of.id,
        "dataset_id": 7,
        "dataset_name": HES,
        "type_of_data": "Pseudonymised",
        "month": month,
        "month_text": month.strftime("%b-%y") if month else "",
        "opt_outs_applied": applied,
        "opt_outs_text": "Yes" if applied else "No",
        "first_edition_id": MONTHLY.id,
    }
    values.update(fields)
    return FileFacts(**values)


def agreement(versions, files=(), pk=1, reference="DARS-NIC-100001-AAAAA"):
    for each in versions:
        each.agreement_id = pk
    return AgreementFacts(pk, reference, list(versions), list(files))


def register_of(*agreements, editions=(MONTHLY, NEXT_MONTH, QUARTERLY)):
    return RegisterFacts(
        agreements={a.id: a for a in agreements},
        editions={edition.id: edition for edition in editions},
        organisations={ORG: "UNIVERSITY OF LEEDS"},
    )


def find(code, register):
    """Findings of one kind over a register of plain records, as the store computes them."""
    return [finding for finding in store.compute(register) if finding.kind == code]


# --- One register that triggers each kind, and one that must not -------------------------------------------------


def outside_dsa(trigger):
    v1 = version("1.2")
    month = D(2024, 6, 1) if trigger else D(2024, 3, 1)  # the month the DSA ends still counts as inside
    return register_of(agreement([v1], [file("F1", v1, month)]))


def mixed_opt_outs(trigger):
    v1 = version("1.2")
    second = D(2022, 5, 1) if trigger else D(2022, 6, 1)
    return register_of(agreement([v1], [file("F1", v1, D(2022, 5, 1), True), file("F2", v1, second, False)]))


def renewed(trigger):
    v1 = version("1.2", yielded_benefits="Two papers were published.")
    v2 = version("2.1", yielded_benefits="---" if trigger else "A third paper, and a service change.")
    return register_of(agreement([v1, v2]))


def commercial(trigger):
    return register_of(agreement([version("1.2", commercial=True, sublicensing=trigger)]))


def confidentiality(trigger):
    use = UseFacts(0, 7, HES, "Identifiable", "One-Off", "" if trigger else "Section 251 NHS Act 2006")
    return register_of(agreement([version("1.2", uses=[use])]))


def after_end(trigger):
    v1 = version("1.2", dsa_end=D(2024, 3, 31), editions=(MONTHLY, NEXT_MONTH))
    first = NEXT_MONTH.id if trigger else MONTHLY.id
    return register_of(agreement([v1], [file("F1", v1, D(2024, 2, 1), first_edition_id=first)]))


def end_before_start(trigger):
    end = D(2020, 3, 31) if trigger else D(2024, 3, 31)
    return register_of(agreement([version("1.2", dsa_end=end, dsa_end_text=end.isoformat())]))


def empty_purposes(trigger):
    return register_of(agreement([version("1.2", objectives="---" if trigger else "To study hip fractures.")]))


def wrong_column(trigger):
    return register_of(agreement([version("1.2", applicant_name="Yes" if trigger else "UNIVERSITY OF LEEDS")]))


def after_edition(trigger):
    v1 = version("1.2", dsa_end=D(2027, 3, 31), dsa_end_text="2027-03-31")
    month = D(2025, 12, 1) if trigger else D(2025, 11, 1)  # the edition's own month still counts as listed in time
    return register_of(agreement([v1], [file("F1", v1, month)]))


EXAMPLES = {
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


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(signals.BY_CODE)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_each_kind_finds_what_it_describes_and_nothing_else(code):
    kind = signals.BY_CODE[code]
    found = find(code, EXAMPLES[code](True))
    assert found, code
    for finding in found:
        assert isinstance(finding, Finding)
        assert finding.agreement_id == 1
        assert finding.explanation.endswith(".")
        assert finding.evidence, "every finding shows the rows behind it"
        shown = {key for key, _ in kind.evidence_columns}
        for row in finding.evidence:
            assert set(row) <= shown, "every evidence value has a column to be shown in"
    assert find(code, EXAMPLES[code](False)) == []
    # Only this kind fires on its example: kinds do not overlap by accident.
    assert {finding.kind for finding in store.compute(EXAMPLES[code](True))} == {code}


def test_every_kind_is_defined_in_words():
    for kind in signals.KINDS:
        assert kind.title
        assert kind.summary
        assert kind.definition
        assert kind.caveat
        assert kind.category in signals.CATEGORIES
        assert kind.anchor == f"signal-{kind.code}"
    categories = [kind.category for kind in signals.KINDS]
    assert categories == sorted(categories, key=lambda category: category != signals.RED_FLAG), "red flags first"


# --- Files released outside the DSA --------------------------------------------------------------------------------


def test_a_file_outside_every_version_is_told_apart_from_one_inside_another_version():
    v1 = version("1.2", dsa_start=D(2019, 4, 1), dsa_end=D(2021, 3, 31))
    v2 = version("2.1", dsa_start=D(2021, 4, 1), dsa_end=D(2024, 3, 31))
    files = [
        file("F1", v1, D(2021, 6, 1)),  # after v1's end, while v2 was in force
        file("F2", v2, D(2024, 7, 1)),  # after every version's end
        file("F3", v2, D(2024, 7, 1)),
        file("F4", v2, D(2019, 1, 1)),  # before v2 (and v1) began
        file("F5", v2, D(2022, 1, 1)),  # inside its own DSA
        file("F6", v2, None),  # no month: not judged
    ]
    found = {finding.key: finding for finding in find("released-outside-dsa", register_of(agreement([v1, v2], files)))}
    assert set(found) == {"no-version-in-force", "another-version-in-force"}
    none = found["no-version-in-force"]
    assert none.explanation.startswith("3 files released in 2 months when no version of this agreement was in force")
    assert "2 after its DSA ended and 1 before it began" in none.explanation
    assert [(row["months"], row["outside"], row["files"], row["file_references"]) for row in none.evidence] == [
        (["2019-01"], "before its start", 1, ["F4"]),
        (["2024-07"], "after its end", 2, ["F2", "F3"]),
    ]
    other = found["another-version-in-force"]
    assert other.evidence[0]["in_force"] == "v2.1"
    assert other.evidence[0]["version"] == "DARS-NIC-100001-AAAAA-v1.2"
    assert other.evidence[0]["version_dsa"] == "2019-04-01 to 2021-03-31"
    assert "another version of this agreement was in force then (v2.1)" in other.explanation


def test_a_version_without_dates_judges_nothing():
    v1 = version("1.2", dsa_start=None, dsa_end=None, dsa_start_text="", dsa_end_text="")
    assert find("released-outside-dsa", register_of(agreement([v1], [file("F1", v1, D(2030, 1, 1))]))) == []


# --- Opt-outs -----------------------------------------------------------------------------------------------------


def test_opt_outs_are_compared_across_an_organisations_agreements_and_each_agreement_is_flagged():
    a1 = version("1.2")
    b1 = version("1.2", base="DARS-NIC-200002-BBBBB")
    c1 = version("1.2", base="DARS-NIC-300003-CCCCC")
    first = agreement([a1], [file("A1", a1, D(2022, 5, 1), True)])
    second = agreement(
        [b1],
        [file("B1", b1, D(2022, 5, 1), False, type_of_data="Anonymised - ICO Code Compliant")],
        pk=2,
        reference="DARS-NIC-200002-BBBBB",
    )
    other_month = agreement([c1], [file("C1", c1, D(2022, 7, 1), False)], pk=3, reference="DARS-NIC-300003-CCCCC")
    found = find("opt-outs-mixed", register_of(first, second, other_month))
    assert sorted(finding.agreement_id for finding in found) == [1, 2]
    finding = found[0]
    assert finding.organisation_id == ORG
    assert finding.dataset_id == 7
    assert finding.key == f"{ORG}:7"
    assert finding.explanation.startswith(f"UNIVERSITY OF LEEDS received {HES} both with patient opt-outs applied")
    assert "in the same month: 2022-05" in finding.explanation
    assert "under 2 agreements (DARS-NIC-100001-AAAAA and DARS-NIC-200002-BBBBB)" in finding.explanation
    assert "The files differ in type of data" in finding.explanation
    assert [(row["agreement"], row["opt_outs"]) for row in finding.evidence] == [
        ("DARS-NIC-100001-AAAAA", "Applied"),
        ("DARS-NIC-200002-BBBBB", "Not applied"),
    ]


def test_the_older_registers_files_without_a_month_compare_within_their_quarter():
    v1 = version("", base="NIC-12345-ABCDE", editions=(QUARTERLY,))
    files = [
        file("Q1", v1, None, True, first_edition_id=QUARTERLY.id),
        file("Q2", v1, None, False, first_edition_id=QUARTERLY.id),
    ]
    found = find("opt-outs-mixed", register_of(agreement([v1], files)))
    assert len(found) == 1
    # the register gives a quarter, not a month: the explanation says so
    assert "in the same quarter: the period of edition 2017-11 (month not stated)." in found[0].explanation
    assert "same month" not in found[0].explanation
    # A monthly register's file without a month says nothing about when it was released.
    monthly = [file("M1", v1, None, True), file("M2", v1, None, False)]
    assert find("opt-outs-mixed", register_of(agreement([v1], monthly))) == []


def test_files_whose_opt_outs_are_not_stated_are_not_compared():
    v1 = version("1.2")
    files = [file("F1", v1, D(2022, 5, 1), True), file("F2", v1, D(2022, 5, 1), None, opt_outs_text="")]
    assert find("opt-outs-mixed", register_of(agreement([v1], files))) == []


# --- Renewals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("Two papers.", "", "empty"),
        ("Two papers.", "N/A", "only “N/A”"),
        ("Two papers.", "Yielded Benefits is not a requirement for new applications.", "only “Yielded Benefits"),
        ("Two papers were  published.\n", "two papers were published.", "the same as v1.2's, word for word"),
    ],
)
def test_a_renewal_without_new_yielded_benefits(before, after, problem):
    versions = [version("1.2", yielded_benefits=before), version("2.1", yielded_benefits=after)]
    found = find("renewed-without-benefits", register_of(agreement(versions)))
    assert len(found) == 1
    assert found[0].evidence[0]["problem"].startswith(problem)
    assert found[0].evidence[0]["previous_version"] == "DARS-NIC-100001-AAAAA-v1.2"


def test_only_renewals_count_and_only_from_registers_that_state_benefits():
    same = "Two papers were published."
    minor_step = [version("1.2", yielded_benefits=same), version("1.3", yielded_benefits=same)]
    assert find("renewed-without-benefits", register_of(agreement(minor_step))) == []
    quarterly = [
        version("1.2", yielded_benefits="", editions=(QUARTERLY,)),
        version("2.1", yielded_benefits="", editions=(QUARTERLY,)),
    ]
    assert find("renewed-without-benefits", register_of(agreement(quarterly))) == []
    unnumbered = [version("", yielded_benefits=""), version("2.1", yielded_benefits="")]
    assert find("renewed-without-benefits", register_of(agreement(unnumbered))) == []


def test_placeholders_are_blank_and_real_short_texts_are_not():
    for text in ["", "  ", "---", "-", "N/A", "n/a.", "None", "TBC", "Not applicable"]:
        assert is_blank(text), text
    for text in ["None. GSK are waiting for the chosen analytics partner", "There are no yielded benefits thus far."]:
        assert not is_blank(text), text


# --- Commercial purposes, confidentiality --------------------------------------------------------------------------


def test_commercial_with_sublicensing_names_the_versions():
    versions = [version("1.2"), version("2.1", commercial=True, sublicensing=True, commercial_text="Yes")]
    found = find("commercial-sublicensing", register_of(agreement(versions)))
    assert found[0].explanation.startswith("v2.1 says the data is for commercial purposes and that sublicensing")
    assert found[0].evidence == [
        {
            "version": "DARS-NIC-100001-AAAAA-v2.1",
            "commercial": "Yes",
            "sublicensing": "No",
            "dsa": "2021-04-01 to 2024-03-31",
        }
    ]


@pytest.mark.parametrize(
    ("type_of_data", "duty", "flagged"),
    [
        ("Identifiable", "", True),
        ("Pseudonymised", "---", True),
        ("Personally identifiable", "N/A", True),
        ("Anonymised - ICO Code Compliant", "", False),
        ("Non-identifiable", "", False),
        ("information not disclosed for TRE projects", "", False),
        ("Identifiable", "Consent (Reasonable Expectation)", False),
    ],
)
def test_identifying_data_needs_a_confidentiality_basis(type_of_data, duty, flagged):
    use = UseFacts(0, 7, HES, type_of_data, "One-Off", duty)
    found = find("confidentiality-basis-missing", register_of(agreement([version("1.2", uses=[use])])))
    assert bool(found) == flagged
    if flagged:
        assert found[0].dataset_id == 7
        assert found[0].key == "7"
        assert found[0].evidence[0]["common_law_duty"] == (duty or "(empty)")


def test_the_older_registers_give_no_confidentiality_basis_so_are_not_judged():
    use = UseFacts(0, 7, HES, "Identifiable", "One-Off", "")
    quarterly = version("", base="NIC-12345-ABCDE", uses=[use], editions=(QUARTERLY,))
    assert find("confidentiality-basis-missing", register_of(agreement([quarterly]))) == []


# --- Listed after the end with new files --------------------------------------------------------------------------


def test_new_files_after_the_end_need_an_earlier_edition_to_be_new():
    v1 = version("1.2", dsa_end=D(2024, 3, 31), editions=(NEXT_MONTH,))
    files = [file("F1", v1, D(2025, 10, 1), first_edition_id=NEXT_MONTH.id)]
    # Only one edition listed it: every file is "new" to it, which says nothing.
    assert find("listed-after-end-with-new-files", register_of(agreement([v1], files))) == []
    v1.editions = [MONTHLY.id, NEXT_MONTH.id]
    found = find("listed-after-end-with-new-files", register_of(agreement([v1], files)))
    assert found[0].key == "2025-12"
    assert found[0].explanation == (
        "Edition 2025-12 still lists this agreement, although the DSA of every version had ended by 2024-03-31 "
        "(v1.2), and lists 1 file under it that edition 2025-11 did not, 1 of them released after that date."
    )
    # Still in force when the edition came out: nothing to flag.
    v1.dsa_end = D(2026, 3, 31)
    assert find("listed-after-end-with-new-files", register_of(agreement([v1], files))) == []


# --- Data quality --------------------------------------------------------------------------------------------------


def test_values_in_the_wrong_column_say_what_was_expected():
    v1 = version(
        "1.2",
        applicant_name="Yes",
        controllers=["2021-04-01", "UNIVERSITY OF LEEDS"],
        dsa_start=None,
        dsa_start_text="Sole Data Controller",
        commercial=None,
        commercial_text="Joint Data Controller",
        uses=[UseFacts(0, 7, "12345", "No", "One-Off", "")],
    )
    files = [file("F1", v1, None, None, month_text="Ongoing", opt_outs_text="Anonymised")]
    found = find("value-in-wrong-column", register_of(agreement([v1], files)))
    rows = {(row["column"], row["value"]): row["problem"] for row in found[0].evidence}
    assert rows == {
        ("Applicant Organisation", "Yes"): "a Yes/No answer where a name belongs",
        ("Data Controller(s)", "2021-04-01"): "a date where a name belongs",
        ("DSA Start Date", "Sole Data Controller"): "not a date",
        ("For Commercial Purposes", "Joint Data Controller"): "not a Yes/No answer",
        ("Dataset", "12345"): "a number where a name belongs",
        ("Type of Data", "No"): "a Yes/No answer where a description belongs",
        ("Month File Released", "Ongoing"): "not a month",
        ("Patient Opt-Outs Applied", "Anonymised"): "not a Yes/No answer",
    }
    assert found[0].explanation.startswith("8 values in the wrong column:")


def test_placeholders_and_names_with_figures_are_not_in_the_wrong_column():
    v1 = version("1.2", applicant_name="I5 HEALTH", commercial=None, commercial_text="N/A", title="COVID-19 study")
    assert find("value-in-wrong-column", register_of(agreement([v1]))) == []


def test_end_before_start_and_empty_purposes_quote_the_register():
    v1 = version("1.2", dsa_start=D(2024, 4, 1), dsa_start_text="01/04/2024", dsa_end=D(2023, 3, 31))
    found = find("end-before-start", register_of(agreement([v1])))
    assert found[0].evidence == [{"version": v1.reference, "dsa_start": "01/04/2024", "dsa_end": "2024-03-31"}]
    # A version named only by a file row (listed in no edition) is not judged for its missing purpose.
    unlisted = version("2.1", objectives="", editions=())
    assert find("empty-purposes", register_of(agreement([unlisted]))) == []


def test_evidence_hash_ignores_wording_but_not_evidence():
    one = Finding("x", 1, "Worded one way.", [{"version": "A-v1"}])
    other = Finding("x", 1, "Worded another way.", [{"version": "A-v1"}])
    changed = Finding("x", 1, "Worded one way.", [{"version": "A-v2"}])
    assert one.evidence_hash == other.evidence_hash != changed.evidence_hash


def test_files_after_their_edition_are_grouped_and_dated():
    """The reconstructed monthly file lists 39 files of one version dated Dec-25 to Aug-26 in its 2025-11 edition."""
    v1 = version("7.4", dsa_end=D(2027, 3, 31), dsa_end_text="2027-03-31")
    months = [D(2025, 12, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 1, 1)]
    files = [file(f"F{n}", v1, month) for n, month in enumerate(months)]
    files += [file("F9", v1, D(2025, 12, 1), first_edition_id=NEXT_MONTH.id)]  # listed by December's: in time
    files += [file("F8", v1, None)]  # no month: not judged
    (finding,) = find("file-after-its-edition", register_of(agreement([v1], files)))
    assert finding.explanation == (
        "4 files are dated 2025-12 to 2026-01, after the month of the edition that first lists them (2025-11)."
    )
    assert [(row["edition"], row["month"], row["files"], row["file_references"]) for row in finding.evidence] == [
        ("2025-11", "2025-12", 2, ["F0", "F1"]),
        ("2025-11", "2026-01", 2, ["F2", "F3"]),
    ]
