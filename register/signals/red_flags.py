"""Red flags: what the register itself shows that a journalist or a campaigner would want to ask about.

Each kind is one pure function over plain records (`register.signals.records`): an agreement-scope kind gets one
`AgreementFacts` and the `RegisterFacts` (for editions and names), an organisation-scope kind gets the
`RegisterFacts`. Each returns `Finding`s whose evidence quotes the register's rows by their identifiers.
A signal is a question worth asking, not a finding of wrongdoing: every definition says what it cannot tell.
"""

import datetime
import re
from collections import defaultdict

from register.signals.base import (
    RED_FLAG,
    Finding,
    excerpt,
    file_rows,
    folded,
    is_blank,
    iso,
    listed,
    month_code,
    month_end,
    plural,
    signal_kind,
)

NO_VERSION = "no-version-in-force"
OTHER_VERSION = "another-version-in-force"
AFTER, BEFORE = "after its end", "before its start"


@signal_kind(
    code="released-outside-dsa",
    title="Files released outside the agreement's dates",
    category=RED_FLAG,
    summary="Files released in a month that the data sharing agreement they were released under did not cover.",
    definition=(
        "Each file released is recorded with the month it was sent and the version of the agreement it was sent "
        "under, and each version has a data sharing agreement (DSA) start and end date. A file counts when its "
        "whole month lies after that version's DSA end date, or before its start date: a file sent in the month a "
        "DSA starts or ends does not count.",
        "The signal then says which of two things happened. Either another version of the same agreement was in "
        "force that month (the file may be recorded against the wrong version, or was sent under a renewal), or no "
        "version of the agreement was in force at all (the data left when no agreement covered it).",
    ),
    caveat="The register gives the month a file was released, not the day. Files without a month, and versions "
    "without both dates, are not judged; the older quarterly registers give no DSA dates at all.",
    evidence_columns=(
        ("version", "Released under"),
        ("version_dsa", "That version's DSA"),
        ("dataset", "Dataset"),
        ("months", "Months released"),
        ("outside", "Outside its DSA"),
        ("in_force", "Versions in force those months"),
        ("files", "Files"),
        ("file_references", "File references"),
    ),
)
def released_outside_dsa(agreement, register):
    versions = agreement.versions_by_id()
    dated = [version for version in agreement.versions if version.dsa_start and version.dsa_end]
    in_force_by_month = {}
    groups = defaultdict(list)  # (case, version id, dataset, outside, versions in force) -> [(month, file reference)]
    for file in agreement.files:
        month, version = file.month, versions.get(file.version_id)
        if month is None or version is None:
            continue
        if version.dsa_end and month > version.dsa_end:
            outside = AFTER
        elif version.dsa_start and month_end(month) < version.dsa_start:
            outside = BEFORE
        else:
            continue
        in_force = in_force_by_month.get(month)
        if in_force is None:
            last = month_end(month)
            in_force = in_force_by_month[month] = tuple(other.label for other in dated if other.in_force(month, last))
        case = OTHER_VERSION if in_force else NO_VERSION
        groups[(case, version.id, file.dataset_name, outside, in_force)].append((month, file.file_reference))
    findings = []
    for case in (NO_VERSION, OTHER_VERSION):
        # One row per version, dataset and side (after its end, before its start), with the months and the files.
        found = [(key, sorted(released)) for key, released in groups.items() if key[0] == case]
        if not found:
            continue
        found.sort(key=lambda item: (item[1][0][0], versions[item[0][1]].reference, item[0][2], item[0][3]))
        rows = [
            {
                "version": versions[version_id].reference,
                "version_dsa": versions[version_id].dsa,
                "dataset": dataset,
                "months": sorted({month_code(month) for month, _ in released}),
                "outside": outside,
                "in_force": ", ".join(in_force) or "none",
                "files": len(released),
                "file_references": [reference for _, reference in released],
            }
            for (_, version_id, dataset, outside, in_force), released in found
        ]
        total = sum(row["files"] for row in rows)
        months = sorted({month for row in rows for month in row["months"]})
        after = sum(row["files"] for row in rows if row["outside"] == AFTER)
        sides = [f"{after:,} after its DSA ended" if after else "", f"{total - after:,} before it began"]
        sides = listed([text for text in sides if text and not text.startswith("0 ")])
        if case == NO_VERSION:
            explanation = (
                f"{plural(total, 'file')} released in {plural(len(months), 'month')} when no version of this "
                f"agreement was in force ({listed(months)}): counted against the version each was released under, "
                f"{sides}."
            )
        else:
            others = sorted({label for key, _ in found for label in key[4]})
            explanation = (
                f"{plural(total, 'file')} released under a version whose DSA did not cover the month of release "
                f"({sides}), while another version of this agreement was in force then ({listed(others)}): the "
                "register may record these files against the wrong version."
            )
        findings.append(Finding("released-outside-dsa", agreement.id, explanation, rows, key=case))
    return findings


QUARTER_LABEL = "the period of edition"  # part of the evidence: changing it would reopen every reviewed signal


def _periods(editions):
    """A function giving the (sort key, label) of the time a file was released: its month, or for the older
    quarterly registers (which give no month but list only the files of their quarter) the period of the edition
    that listed it; None when neither is known."""
    quarters = {
        pk: (edition.month or datetime.date.min, f"{QUARTER_LABEL} {edition.code} (month not stated)")
        for pk, edition in editions.items()
        if edition.register == "release"
    }
    months = {}

    def period(file):
        if file.month is None:
            return quarters.get(file.first_edition_id)
        found = months.get(file.month)
        if found is None:
            found = months[file.month] = (file.month, month_code(file.month))
        return found

    return period


@signal_kind(
    code="opt-outs-mixed",
    title="Sent with and without patient opt-outs",
    category=RED_FLAG,
    summary="One organisation received the same dataset in the same month both with patient opt-outs applied "
    "and without them.",
    definition=(
        "Patients can opt out of their data being used for purposes beyond their care. Each file released says "
        "whether those opt-outs were applied. The signal groups every file by the organisation it went to (as the "
        "register names it, otherwise the applicant of the version it was released under), its dataset and its "
        "month, across all of the organisation's agreements, and counts a group holding both files with opt-outs "
        "applied and files without them.",
        "When the same organisation receives the same data in the same month both ways, the opt-outs applied to "
        "one file do little for patients who opted out: the other file holds their records.",
    ),
    caveat="Opt-outs need not be applied to anonymised or aggregated data (counts with small numbers suppressed, "
    "for example), and the register notes that anonymised data may show opt-outs applied because it includes a "
    "date of death: so identifiable files with opt-outs beside aggregated files without them are not a problem. The "
    "evidence gives each file's type of data, to tell these apart, and the explanation says when the types differ. "
    "The older quarterly registers give no month: there, both kinds of file in the same quarter count.",
    evidence_columns=(
        ("period", "Month released"),
        ("agreement", "Agreement"),
        ("version", "Version"),
        ("type_of_data", "Type of data"),
        ("opt_outs", "Patient opt-outs"),
        ("files", "Files"),
        ("file_references", "File references"),
    ),
    scope="organisation",
    key_ids=("organisation", "dataset"),
)
def opt_outs_mixed(register):
    period_of = _periods(register.editions)
    released = defaultdict(list)  # (organisation, dataset, period) -> [(agreement, file)]
    version_references = {}
    for agreement in register.agreements.values():
        applicants = {}
        for version in agreement.versions:
            applicants[version.id] = version.applicant_id
            version_references[version.id] = version.reference
        for file in agreement.files:  # 100k at full size: as little as possible per file
            if file.opt_outs_applied is None or file.dataset_id is None:
                continue
            organisation = file.organisation_id or applicants.get(file.version_id)
            period = period_of(file)
            if organisation is not None and period is not None:
                released[(organisation, file.dataset_id, period)].append((agreement, file))
    groups = defaultdict(lambda: defaultdict(list))  # (organisation, dataset) -> row key -> file references
    names = {}
    for (organisation, dataset, period), found in released.items():
        if len(found) < 2 or len({file.opt_outs_applied for _, file in found}) < 2:
            continue
        for agreement, file in found:
            version_reference = version_references.get(file.version_id, "")
            row = (
                period,
                agreement.reference,
                version_reference,
                file.type_of_data,
                file.opt_outs_applied,
                agreement.id,
            )
            groups[(organisation, dataset)][row].append(file.file_reference)
            names.setdefault(dataset, file.dataset_name)
    findings = []
    for (organisation, dataset), found_rows in sorted(groups.items()):
        periods_of = defaultdict(set)  # agreement id -> the mixed periods it had files in
        rows_in = defaultdict(list)  # period -> evidence rows, shared by the findings of every agreement in it
        for key, references in sorted(found_rows.items()):
            period, reference, version, type_of_data, applied, agreement_id = key
            periods_of[agreement_id].add(period)
            rows_in[period].append(
                {
                    "period": period[1],
                    "agreement": reference,
                    "version": version,
                    "type_of_data": type_of_data,
                    "opt_outs": "Applied" if applied else "Not applied",
                    "files": len(references),
                    "file_references": sorted(references),
                }
            )
        for agreement_id, periods in sorted(periods_of.items()):
            # Every agreement's files to the organisation, in the periods this agreement had files in.
            rows = [row for period in sorted(periods) for row in rows_in[period]]
            explanation = _mixed_explanation(
                register.organisations.get(organisation) or "The organisation",
                names[dataset],
                [period[1] for period in sorted(periods)],
                rows,
            )
            finding = Finding("opt-outs-mixed", agreement_id, explanation, rows, key=f"{organisation}:{dataset}")
            finding.organisation_id, finding.dataset_id = organisation, dataset
            findings.append(finding)
    return findings


def _mixed_explanation(name, dataset_name, periods, rows):
    applied = sum(row["files"] for row in rows if row["opt_outs"] == "Applied")
    without = sum(row["files"] for row in rows) - applied
    agreements = sorted({row["agreement"] for row in rows})
    quarters = sum(1 for period in periods if period.startswith(QUARTER_LABEL))  # the quarterly register's
    one, several = {0: ("month", "months"), len(periods): ("quarter", "quarters")}.get(
        quarters, ("month or quarter", "months or quarters")
    )
    explanation = (
        f"{name} received {dataset_name} both with patient opt-outs applied and without them in the same "
        f"{one if len(periods) == 1 else several}: {listed(periods)}. {plural(applied, 'file')} with opt-outs "
        f"applied, {plural(without, 'file')} without"
    )
    if len(agreements) > 1:
        explanation += f", under {plural(len(agreements), 'agreement')} ({listed(agreements)})"
    explanation += "."
    types = {folded(text): text for text in {row["type_of_data"] for row in rows} if folded(text)}
    if len(types) > 1:
        explanation += (
            f" The files differ in type of data ({listed(sorted(types.values()))}): anonymised data is often released "
            "without opt-outs applied."
        )
    return explanation


@signal_kind(
    code="renewed-without-benefits",
    title="Renewed without new yielded benefits",
    category=RED_FLAG,
    summary="An agreement renewed (a new major version) whose yielded benefits are empty, or the same as before.",
    definition=(
        "Each version of an agreement states the benefits the data has yielded so far. A new application need not "
        "(the register says “Yielded Benefits is not a requirement for new applications”), but a renewal (a "
        "version whose major number is higher than the version before it, 2.1 after 1.4) is the moment to account "
        "for what the data achieved.",
        "The signal counts a renewal whose yielded benefits are empty, only a placeholder (“---”, “N/A”, “None”, the "
        "stock sentence), or word for word those of the version before it (ignoring case and spacing).",
    ),
    caveat="Benefits may be reported elsewhere, and a short honest text (“there are no yielded benefits thus far”) "
    "does not count. The older quarterly registers give no yielded benefits.",
    evidence_columns=(
        ("version", "Renewal"),
        ("previous_version", "Version before it"),
        ("yielded_benefits", "Its yielded benefits"),
        ("problem", "Why it counts"),
    ),
)
def renewed_without_benefits(agreement, register):
    # Unnumbered versions (local codes) cannot be put in order.
    versions = [version for version in agreement.versions if version.states_details and version.version]
    rows = []
    for previous, current in zip(versions, versions[1:], strict=False):
        if current.major <= previous.major:
            continue
        text = current.yielded_benefits_start
        if not text.strip():
            problem = "empty"
        elif is_blank(text):
            problem = f"only “{excerpt(text, 60)}”"
        elif current.yielded_benefits_fingerprint == previous.yielded_benefits_fingerprint:
            problem = f"the same as {previous.label}'s, word for word"
        else:
            continue
        rows.append(
            {
                "version": current.reference,
                "previous_version": previous.reference,
                "yielded_benefits": excerpt(text, 150),
                "problem": problem,
            }
        )
    if not rows:
        return []
    labels = {version.reference: version.label for version in versions}
    parts = [f"{labels[row['version']]} (yielded benefits {row['problem']})" for row in rows]
    explanation = (
        f"Renewed {plural(len(rows), 'time')} without new yielded benefits: {listed(parts)}. The register gives no "
        "new account of what the data has achieved."
    )
    return [Finding("renewed-without-benefits", agreement.id, explanation, rows)]


@signal_kind(
    code="commercial-sublicensing",
    title="Commercial purpose with sublicensing allowed",
    category=RED_FLAG,
    summary="A version for commercial purposes that also allows sublicensing.",
    definition=(
        "Each version says whether the data is used for commercial purposes and whether sublicensing applies: "
        "whether the recipient may pass the data on to other organisations under its own agreements with them.",
        "The signal counts a version that says Yes to both: data used commercially that may also be passed on.",
    ),
    caveat="The register does not say to whom the data may be passed or on what terms. Versions that leave either "
    "answer blank, and the older quarterly registers (which give neither), are not judged.",
    evidence_columns=(
        ("version", "Version"),
        ("commercial", "For commercial purposes"),
        ("sublicensing", "Does sublicensing apply"),
        ("dsa", "DSA"),
    ),
)
def commercial_with_sublicensing(agreement, register):
    rows = [
        {
            "version": version.reference,
            "commercial": version.commercial_text or "Yes",
            "sublicensing": version.sublicensing_text or "Yes",
            "dsa": version.dsa,
        }
        for version in agreement.versions
        if version.states_details and version.commercial is True and version.sublicensing is True
    ]
    if not rows:
        return []
    labels = [version.label for version in agreement.versions if version.reference in {row["version"] for row in rows}]
    says = "says" if len(labels) == 1 else "say"
    explanation = (
        f"{listed(labels)} {says} the data is for commercial purposes and that sublicensing applies: the recipient "
        "may pass the data on to other organisations under its own agreements with them."
    )
    return [Finding("commercial-sublicensing", agreement.id, explanation, rows)]


# "Identifiable" and "Pseudonymised" in any case and spelling, but not "non-identifiable" or "de-identified".
IDENTIFYING = re.compile(r"(?<!non-)(?<!non )\bidentifiable\b|\bpseudonymi[sz]ed\b", re.IGNORECASE)


@signal_kind(
    code="confidentiality-basis-missing",
    title="Identifying data without a confidentiality basis",
    category=RED_FLAG,
    summary="Identifiable or pseudonymised data where the register gives no basis under the common law duty of "
    "confidentiality.",
    definition=(
        "Each dataset named on a version says what type of data is provided and how the project meets the common "
        "law duty of confidentiality: the data is not confidential, patients consented, or the use has support "
        "under section 251 of the NHS Act 2006.",
        "Identifiable and pseudonymised data about patients is confidential, so the register should give a basis. "
        "The signal counts a dataset provided as identifiable or pseudonymised data whose common law duty of "
        "confidentiality is empty or only a placeholder (“---”, “N/A”).",
    ),
    caveat="A basis may have been recorded elsewhere, and the register's types of data are its own labels. The older "
    "quarterly registers have no confidentiality column, so their datasets are not judged.",
    evidence_columns=(
        ("version", "Version"),
        ("dataset", "Dataset"),
        ("type_of_data", "Type of data"),
        ("common_law_duty", "Common law duty of confidentiality"),
    ),
    key_ids=("dataset",),  # or, for a use linked to no dataset, its name folded (never re-keyed)
)
def confidentiality_basis_missing(agreement, register):
    found = defaultdict(list)
    for version in agreement.versions:
        if not version.states_details:
            continue
        for use in version.uses:
            if IDENTIFYING.search(use.type_of_data or "") and is_blank(use.common_law_duty):
                key = str(use.dataset_id) if use.dataset_id is not None else folded(use.dataset_name)
                found[key].append((version, use))
    findings = []
    for key, uses in sorted(found.items()):
        rows = [
            {
                "version": version.reference,
                "dataset": use.dataset_name,
                "type_of_data": use.type_of_data,
                "common_law_duty": use.common_law_duty or "(empty)",
            }
            for version, use in uses
        ]
        labels = list(dict.fromkeys(version.label for version, _ in uses))
        types = list(dict.fromkeys(use.type_of_data for _, use in uses))
        explanation = (
            f"{uses[0][1].dataset_name} is provided as {listed(types).lower()} data ({listed(labels)}), but the "
            "register gives no basis under the common law duty of confidentiality for it."
        )
        findings.append(
            Finding(
                "confidentiality-basis-missing",
                agreement.id,
                explanation,
                rows,
                key=key,
                dataset_id=uses[0][1].dataset_id,
            )
        )
    return findings


@signal_kind(
    code="listed-after-end-with-new-files",
    title="Still sent files after the agreement ended",
    category=RED_FLAG,
    summary="An agreement whose every version had ended that a later edition still lists, with new files.",
    definition=(
        "An agreement is past its end when the DSA end date of every one of its versions is before the month an "
        "edition of the register covers. The signal counts an edition that still lists such an agreement and "
        "lists files under it that the previous edition listing it did not.",
        "New files under an agreement that has ended suggest data still flowing without a data sharing agreement in "
        "force, or a register that has not been kept up to date.",
    ),
    caveat="It needs two editions of the same register: files are new only against an earlier edition that listed "
    "the agreement. A file listed late may have been released before the agreement ended: the evidence gives each "
    "file's month. Versions without an end date make the end unknown, and the agreement is not judged.",
    evidence_columns=(
        ("edition", "Edition"),
        ("version", "Released under"),
        ("dataset", "Dataset"),
        ("month", "Month released"),
        ("files", "New files"),
        ("file_references", "File references"),
    ),
)
def listed_after_end_with_new_files(agreement, register):
    versions = [version for version in agreement.versions if version.states_details]
    if not versions or any(version.dsa_end is None for version in versions):
        return []
    end = max(version.dsa_end for version in versions)
    last = max((version for version in versions if version.dsa_end == end), key=lambda v: (v.major, v.minor))
    editions = sorted(
        (register.editions[pk] for pk in agreement.editions if pk in register.editions and register.editions[pk].month),
        key=lambda edition: (edition.month, edition.code),
    )
    new_files = defaultdict(list)
    for file in agreement.files:
        new_files[file.first_edition_id].append(file)
    by_version = agreement.versions_by_id()
    findings = []
    for edition in editions:
        files = new_files.get(edition.id)
        earlier = [other for other in editions if other.register == edition.register and other.month < edition.month]
        if edition.month <= end or not files or not earlier:
            continue

        def describe(file, edition=edition):
            version = by_version.get(file.version_id)
            return {
                "edition": edition.code,
                "version": version.reference if version else "",
                "dataset": file.dataset_name,
                "month": month_code(file.month) or file.month_text or "not stated",
            }

        rows = sorted(file_rows(files, describe), key=lambda row: (row["month"], row["version"], row["dataset"]))
        late = sum(1 for file in files if file.month and file.month > end)
        explanation = (
            f"Edition {edition.code} still lists this agreement, although the DSA of every version had ended by "
            f"{iso(end)} ({last.label}), and lists {plural(len(files), 'file')} under it that edition "
            f"{earlier[-1].code} did not"
        )
        explanation += f", {late:,} of them released after that date." if late else "."
        findings.append(Finding("listed-after-end-with-new-files", agreement.id, explanation, rows, key=edition.code))
    return findings
