"""Build the project's fixtures from their sources; run again whenever a source changes.

- fixtures/nhs_organisations.json: the 42 Integrated Care Boards, their 106 sub-ICB locations and the 106 CCGs
  (April 2021) they replaced, with ODS codes and NHS England regions, from
  ../shared/data/nhs-organisations/ccg_subicb_icb_lookup_2022.csv ("Source: Office for National Statistics
  licensed under the Open Government Licence v.3.0.").
- fixtures/seed_agreements.json: the two agreements of the page the project started from
  (../shared/seed/000_cdc88a6c3c02142d.txt), field by field.

The seed page shows each agreement as one record that gathers distinct values across its versions and
files (several legal bases, types of data, applicant types). The fixture keeps each agreement as one version
under its base reference (the page gives no version numbers), with the page's values on its dataset rows,
and reconstructs its "N data files" as N file rows with invented references (SEED-...) spread evenly over
the page's first and last months. The seed edition's note says so on the site.

Every fixture row is addressed by a natural key (slugs, references, keys), never by a primary key, so loading
the fixtures into a database that already holds imported data merges with it instead of overwriting rows.

Usage: python scripts/build_fixtures.py [--shared ../shared]
"""

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.names import name_key, slugify  # noqa: E402

LOOKUP = "data/nhs-organisations/ccg_subicb_icb_lookup_2022.csv"
SEED = "seed/000_cdc88a6c3c02142d.txt"
SEED_EDITION = "seed"

SECTIONS = {
    "Objectives:": "objectives",
    "Processing:": "processing_activities",
    "Outputs:": "expected_outputs",
    "Expected Benefits:": "expected_benefits",
    "Yielded Benefits:": "yielded_benefits",
}
LABELS = [
    "Type of data",
    "Opt outs honoured",
    "Legal basis",
    "Purposes",
    "Sensitive",
    "When",
    "Access method",
    "Data-controller type",
    "Sublicensing allowed",
    "Datasets",
]
HEADER = re.compile(r"^(?P<title>.+) \u2014 (?P<reference>DARS-\S+)$")


def organisation(slug, name, kind, ods_code="", region="", parent=None, successor=None, notes=""):
    return {
        "model": "register.organisation",
        "fields": {
            "name": name,
            "slug": slug,
            "kind": kind,
            "ods_code": ods_code,
            "region": region,
            "parent": [parent] if parent else None,
            "successor": [successor] if successor else None,
            "notes": notes,
            "curated_fields": [],
        },
    }


def alias(spelling, organisation_slug, edition=None):
    return {
        "model": "register.organisationalias",
        "fields": {
            "organisation": [organisation_slug],
            "spelling": spelling,
            "key": name_key(spelling),
            "first_edition": [edition] if edition else None,
        },
    }


def build_reference(lookup_path):
    """ICBs, sub-ICB locations (parent: ICB) and CCGs (successor: their sub-ICB location)."""
    with open(lookup_path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    objects, icbs = [], {}
    for row in rows:
        if row["icb_code"] not in icbs:
            icbs[row["icb_code"]] = slugify(row["icb_name"])
            objects.append(
                organisation(icbs[row["icb_code"]], row["icb_name"], "icb", row["icb_code"], row["region_name"])
            )
    for row in rows:
        sub_slug = slugify(row["sub_icb_name"])
        objects.append(
            organisation(
                sub_slug,
                row["sub_icb_name"],
                "sub-icb",
                row["sub_icb_code"],
                row["region_name"],
                parent=icbs[row["icb_code"]],
            )
        )
        objects.append(
            organisation(
                slugify(row["ccg_name"]),
                row["ccg_name"],
                "ccg",
                row["sub_icb_code"],
                row["region_name"],
                successor=sub_slug,
            )
        )
    objects.extend(alias(obj["fields"]["name"], obj["fields"]["slug"]) for obj in list(objects))
    return objects


def parse_seed(text):
    """The seed page as a list of agreements: title, reference, labelled values, datasets and sections."""
    lines = text.splitlines()
    agreements, current, section = [], None, None
    for line in lines:
        header = HEADER.match(line)
        if header:
            current = {"title": header["title"], "reference": header["reference"], "labels": {}, "datasets": []}
            current["sections"] = {}
            agreements.append(current)
            section = None
            continue
        if current is None:
            continue
        if line in SECTIONS:
            section = SECTIONS[line]
            current["sections"][section] = []
            continue
        if section:
            current["sections"][section].append(line)
            continue
        label, _, value = line.partition(":")
        if label in LABELS:
            current["labels"][label] = value.strip()
            continue
        if line.startswith("- ") and "Datasets" in current["labels"]:
            current["datasets"].append(line[2:].strip())
            continue
        raise ValueError(f"Unexpected seed line: {line!r}")
    for agreement in agreements:
        agreement["sections"] = {name: "\n".join(body) for name, body in agreement["sections"].items()}
    return agreements


def split_controllers(text):
    """Controllers joined with ", ", without breaking names with commas in them ("NHS HEYWOOD, MIDDLETON ...")."""
    names = []
    for part in text.split(", "):
        if names and not part.startswith("NHS "):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    return names


def split_types(text):
    """'A, B (C)' -> ([A, B], C): types of data, then the common law duty of confidentiality in brackets."""
    types, _, duty = text.partition(" (")
    return [value.strip() for value in types.split(", ")], duty.removesuffix(")")


def split_legal_bases(text):
    return [value.strip() for value in re.split(r", (?=Health and Social Care Act|National Health Service Act)", text)]


def month_range(first, last, count):
    """`count` months spread evenly from `first` to `last` (YYYY, MM pairs), as the seed gives only the ends."""
    start = first[0] * 12 + first[1] - 1
    end = last[0] * 12 + last[1] - 1
    months = []
    for index in range(count):
        month = start + round(index * (end - start) / max(count - 1, 1))
        months.append(f"{month // 12:04d}-{month % 12 + 1:02d}-01")
    return months


# Which of the page's distinct values belong to which dataset row (the page lists them per agreement).
SEED_DATASET_VALUES = {
    "DARS-NIC-616054-M4C8K": {
        "Commissioning Datasets": {"type": 0, "legal_basis": 0},
        "Invoice Validation Datasets": {"type": 1, "legal_basis": 1},
        "Risk Stratification Datasets": {"type": 1, "legal_basis": 1},
    },
    "DARS-NIC-193456-W3M0H": {
        "Acute-Local Provider Flows": {"type": 1, "legal_basis": 0},
        "SUS for Commissioners": {"type": 1, "legal_basis": 1},
        "Civil Registrations of Death": {"type": 1, "legal_basis": 2},
        "Civil Registration - Deaths": {"type": 1, "legal_basis": 3, "frequency": 1},
    },
}
SEED_FILE_COUNTS = {"DARS-NIC-193456-W3M0H": 33}


def build_seed(seed_path, reference_objects):
    text = Path(seed_path).read_text(encoding="utf-8")
    known = {}
    for obj in reference_objects:
        if obj["model"] == "register.organisation":
            known[name_key(obj["fields"]["name"])] = obj["fields"]["slug"]
    objects = [
        {
            "model": "register.edition",
            "fields": {
                "code": SEED_EDITION,
                "register": "seed",
                "month": None,
                "source_name": Path(seed_path).name,
                "source_url": "",
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "imported_at": "2026-11-30T00:00:00Z",
                "is_synthetic": False,
                "note": (
                    "The two agreements of the reformatted register page this project started from "
                    "(medConfidential's reformatting of NHS Digital's register, NHS Greater Manchester "
                    "Integrated Care Board). The page shows one record per agreement, gathering distinct values "
                    "across versions; it gives no version numbers. Its file count (33) is real; the file "
                    "references (SEED-...) and the month of each file are reconstructed, spread evenly between "
                    "the first and last months the page gives."
                ),
                "summary": {},
            },
        }
    ]
    new_organisations, datasets = {}, {}

    def organisation_slug(spelling):
        key = name_key(spelling)
        if key in known:
            return known[key]
        if key not in new_organisations:
            kind = "ccg" if key.endswith(" ccg") else "icb" if "integrated care board" in key else "other"
            new_organisations[key] = organisation(slugify(spelling), spelling.title(), kind)
            known[key] = slugify(spelling)
        return known[key]

    aliases_seen = {name_key(obj["fields"]["spelling"]) for obj in reference_objects if "spelling" in obj["fields"]}
    seed_aliases = []

    def remember_spelling(spelling, slug):
        if name_key(spelling) not in aliases_seen:
            aliases_seen.add(name_key(spelling))
            seed_aliases.append(alias(spelling, slug, SEED_EDITION))

    agreement_objects = []
    for seed in parse_seed(text):
        reference, labels = seed["reference"], seed["labels"]
        commercial_text, _, applicant_types = labels["Purposes"].partition(" (")
        when = re.match(r"DSA runs (\S+) \u2014 (\S+)(?: (\d{4})\.(\d{2}) \u2014 (\d{4})\.(\d{2})\.)?", labels["When"])
        types, duty = split_types(labels["Opt outs honoured"])
        legal_bases = split_legal_bases(labels["Legal basis"].removesuffix("."))
        frequencies = [value.strip() for value in labels["Access method"].split(", ")]
        controllers = split_controllers(labels["Data-controller type"])
        title_names_applicant = "NHS Greater Manchester Integrated Care Board" in seed["title"]
        applicant = "NHS GREATER MANCHESTER INTEGRATED CARE BOARD" if title_names_applicant else ""
        agreement_objects.append(
            {
                "model": "register.agreement",
                "fields": {
                    "reference": reference,
                    "key": reference.upper(),
                    "latest_version": [reference],
                    "file_count": SEED_FILE_COUNTS.get(reference, 0),
                    "first_edition": [SEED_EDITION],
                    "last_edition": [SEED_EDITION],
                    "withdrawn_in": None,
                    "notes": "",
                    "curated_fields": [],
                },
            }
        )
        if applicant:
            remember_spelling(applicant, organisation_slug(applicant))
        agreement_objects.append(
            {
                "model": "register.agreementversion",
                "fields": {
                    "agreement": [reference],
                    "reference": reference,
                    "version": "",
                    "version_major": 0,
                    "version_minor": 0,
                    "title": seed["title"],
                    "applicant": [organisation_slug(applicant)] if applicant else None,
                    "applicant_name": applicant,
                    "applicant_type": applicant_types.removesuffix(")"),
                    "controllers_text": labels["Data-controller type"],
                    "controller_arrangement": "",
                    "is_joint_controller": None,
                    "dsa_start": when[1],
                    "dsa_start_text": when[1],
                    "dsa_end": when[2],
                    "dsa_end_text": when[2],
                    "sublicensing": labels["Sublicensing allowed"] == "Yes",
                    "sublicensing_text": labels["Sublicensing allowed"],
                    "commercial": commercial_text == "Yes",
                    "commercial_text": commercial_text,
                    "type_of_data_text": labels["Type of data"],
                    "objectives": seed["sections"].get("objectives", ""),
                    "processing_activities": seed["sections"].get("processing_activities", ""),
                    "expected_outputs": seed["sections"].get("expected_outputs", ""),
                    "expected_benefits": seed["sections"].get("expected_benefits", ""),
                    "yielded_benefits": seed["sections"].get("yielded_benefits", ""),
                    "editions": [[SEED_EDITION]],
                    "first_edition": [SEED_EDITION],
                    "last_edition": [SEED_EDITION],
                    "notes": "",
                    "curated_fields": [],
                },
            }
        )
        for position, spelling in enumerate(controllers):
            slug = organisation_slug(spelling)
            remember_spelling(spelling, slug)
            agreement_objects.append(
                {
                    "model": "register.versioncontroller",
                    "fields": {
                        "version": [reference],
                        "organisation": [slug],
                        "spelling": spelling,
                        "position": position,
                    },
                }
            )
        uses = SEED_DATASET_VALUES[reference]
        for position, dataset_name in enumerate(seed["datasets"]):
            values = uses[dataset_name]
            datasets.setdefault(name_key(dataset_name), dataset_name)
            agreement_objects.append(
                {
                    "model": "register.datasetuse",
                    "fields": {
                        "version": [reference],
                        "dataset": [slugify(dataset_name)],
                        "dataset_name": dataset_name,
                        "position": position,
                        "type_of_data": types[values["type"]],
                        "sensitivity": labels["Sensitive"],
                        "is_sensitive": labels["Sensitive"] == "Sensitive",
                        "frequency": frequencies[values.get("frequency", 0)],
                        "legal_basis": legal_bases[values["legal_basis"]],
                        "common_law_duty": duty,
                        "notes": "",
                        "curated_fields": [],
                    },
                }
            )
        count = SEED_FILE_COUNTS.get(reference, 0)
        if count:
            months = month_range((int(when[3]), int(when[4])), (int(when[5]), int(when[6])), count)
            released = [name for name in seed["datasets"] if name != "Civil Registrations of Death"]
            for index, month in enumerate(months):
                dataset_name = released[index % len(released)]
                agreement_objects.append(
                    {
                        "model": "register.filerelease",
                        "fields": {
                            "file_reference": f"SEED-{reference.rsplit('-', 1)[-1]}-{index + 1:04d}",
                            "agreement": [reference],
                            "version": [reference],
                            "reference_text": reference,
                            "organisation": None,
                            "organisation_name": "",
                            "dataset": [slugify(dataset_name)],
                            "dataset_name": dataset_name,
                            "type_of_data": types[1],
                            "sensitivity": labels["Sensitive"],
                            "is_sensitive": True,
                            "legal_basis": legal_bases[-1],
                            "frequency": frequencies[uses[dataset_name].get("frequency", 0)],
                            "opt_outs_text": types[0],
                            "opt_outs_applied": False,
                            "month": month,
                            "month_text": month[:7].replace("-", "."),
                            "first_edition": [SEED_EDITION],
                            "last_edition": [SEED_EDITION],
                            "notes": "",
                            "curated_fields": [],
                        },
                    }
                )
    dataset_objects = []
    for key, name in datasets.items():
        dataset_objects.append(
            {
                "model": "register.dataset",
                "fields": {"name": name, "slug": slugify(name), "notes": "", "curated_fields": []},
            }
        )
        dataset_objects.append(
            {"model": "register.datasetalias", "fields": {"dataset": [slugify(name)], "spelling": name, "key": key}}
        )
    return objects + list(new_organisations.values()) + seed_aliases + dataset_objects + agreement_objects


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared folder with data/ and seed/")
    args = parser.parse_args()
    shared = Path(args.shared)
    reference = build_reference(shared / LOOKUP)
    seed = build_seed(shared / SEED, reference)
    for name, objects in (("nhs_organisations.json", reference), ("seed_agreements.json", seed)):
        path = ROOT / "fixtures" / name
        path.write_text(json.dumps(objects, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}: {len(objects)} objects")


if __name__ == "__main__":
    main()
