"""The "what changed" pages over three editions imported out of order: /changes/ with each edition's numbers,
one edition's changes filtered by organisation and dataset, an agreement's timeline and differences (versions,
and what two editions said of one version), citing it as of an edition, and curators' corrections apart."""

import datetime
import re

import pytest
from django.urls import reverse

from register import actions
from register.models import Agreement, AgreementVersion, DatasetUse, Edition
from tests.editions import import_three_editions
from tests.pagetext import changes_row, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(tmp_path, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):  # facets and the search index follow each import
        return import_three_editions(tmp_path)


def amended(three, code="2025-11", previous="2025-10"):
    """(agreement, the version both editions list that `code` amended) from the generated editions."""
    reference = sorted(three.expected_changes(code, previous)["changed"])[0]
    version = AgreementVersion.objects.get(reference=reference)
    return version.agreement, version


def test_changes_lists_every_edition_with_its_numbers(client, three, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("register:changes"))
    assert response.status_code == 200
    text = page_text(response)
    for code, previous in (("2025-11", "2025-10"), ("2025-12", "2025-11")):
        expected = three.expected_changes(code, previous)
        added = three.bases(code) - three.bases(previous)
        withdrawn = three.bases(previous) - three.bases(code)
        amended_bases = {three.base_of(ref) for ref in expected["changed"] | expected["added"]} - added
        numbers = changes_row(text, code, previous, 8)
        assert numbers, f"no row for {code}"
        assert numbers[:6] == [
            len(added),
            len(amended_bases),
            len(withdrawn),
            len(expected["added"]),
            len(expected["changed"]),
            len(expected["withdrawn"]),
        ]
    assert (
        "2025-10 Synthetic register (generated, not real data), synthetic; first loaded, compared with nothing" in text
    )
    assert f'href="{reverse("register:changes-atom")}"' in response.content.decode()
    assert "with the synthetic editions loaded here, made in its format" in text
    Edition.objects.update(is_synthetic=False)  # real editions only: nothing to say about synthetic ones
    assert "synthetic editions" not in page_text(client.get(reverse("register:changes")))


def test_an_editions_changes_name_each_agreement_and_version(client, three, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = client.get(reverse("register:edition-changes", args=["2025-11"]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Compared with edition 2025-10" in text
    expected = three.expected_changes("2025-11", "2025-10")
    for reference in expected["changed"]:
        version = AgreementVersion.objects.get(reference=reference)
        assert version.agreement.reference in text
        assert f"{version.version}: amended" in text
    for base in three.bases("2025-10") - three.bases("2025-11"):
        assert base in text.split("Withdrawn (no longer listed):")[1]
    for base in three.bases("2025-11") - three.bases("2025-10"):
        assert base in text.split("Added:")[1].split("Changed:")[0]


def test_an_editions_changes_filter_by_organisation_and_dataset(client, three):
    agreement, _ = amended(three)
    applicant = agreement.latest_version.applicant
    url = reverse("register:edition-changes", args=["2025-11"])
    text = page_text(client.get(url, {"organisation": applicant.name}))
    assert agreement.reference in text
    assert "match" in text
    others = [a.reference for a in Agreement.objects.exclude(pk=agreement.pk) if a.reference in text]
    held = set(Agreement.objects.filter(versions__applicant=applicant).values_list("reference", flat=True))
    assert set(others) <= held
    use = DatasetUse.objects.filter(version__agreement=agreement).first()
    from register.facets import value_key

    text = page_text(client.get(url, {"dataset": value_key(use.dataset_name)}))
    assert agreement.reference in text
    wrong = client.get(url, {"organisation": "No Such Organisation Anywhere"})
    assert wrong.status_code == 400
    assert "No organisation is called “No Such Organisation Anywhere”" in page_text(wrong)
    assert client.get(reverse("register:edition-changes", args=["1999-01"])).status_code == 404


def test_an_editions_changes_in_error_keep_the_form_and_show_what_the_rest_finds(client, three):
    """As the agreement list: the mistyped organisation is corrected where it was typed, the dataset chosen is kept."""
    agreement, _ = amended(three)
    use = DatasetUse.objects.filter(version__agreement=agreement).first()
    from register.facets import value_key

    url = reverse("register:edition-changes", args=["2025-11"])
    dataset = value_key(use.dataset_name)
    wrong = client.get(url, {"organisation": "NHS Grater Manchester", "dataset": dataset})
    assert wrong.status_code == 400
    body = wrong.content.decode()
    assert '<a href="#id_organisation">Organisation</a>' in body
    assert 'value="NHS Grater Manchester"' in body
    assert 'aria-invalid="true"' in body
    assert f'<option value="{dataset}" selected>' in body
    text = page_text(wrong)
    assert text.startswith("Error: What changed in edition 2025-11")
    assert "The list below is what the rest of the query finds" in text
    assert agreement.reference in text  # the dataset alone still narrows the changes
    unknown = page_text(client.get(url, {"role": "spaceship"}))
    assert "You gave “spaceship”" in unknown


def test_the_first_edition_counts_everything_as_listed_for_the_first_time(client, three):
    text = page_text(client.get(reverse("register:edition-changes", args=["2025-10"])))
    assert "The first edition of this register loaded" in text
    assert f"Listed for the first time: {len(three.bases('2025-10'))} agreements" in text


def test_a_version_an_edition_added_is_headed_as_a_new_version(client, three):
    reference = sorted(three.expected_changes("2025-11", "2025-10")["added"])[0]
    version = AgreementVersion.objects.get(reference=reference)
    url = reverse("register:agreement-changes", args=[version.agreement.reference])
    text = page_text(client.get(url, {"edition": "2025-11"}))
    assert f"Version {version.label}: new version" in text


def test_what_an_edition_changed_in_an_agreement_is_marked_word_by_word(client, three):
    agreement, version = amended(three)
    update = three.contents("2025-11")[version.reference][0][14]
    added_line = update.split("\n")[-1]
    assert added_line.startswith("Update: ")
    response = client.get(reverse("register:agreement-changes", args=[agreement.reference]), {"edition": "2025-11"})
    assert response.status_code == 200
    body = response.content.decode()
    text = page_text(response)
    assert "What edition 2025-11 changed" in text
    assert f"Version {version.version}: amended" in text
    assert "Yielded benefits" in text
    inserted = re.findall(r"<ins>(.*?)</ins>", body, re.S)
    assert any("Update:" in part for part in inserted)
    assert f"as edition 2025-10 listed it to version {version.version}, as edition 2025-11 listed it" in text


def test_two_editions_of_one_version_and_two_versions_compare(client, three):
    agreement, version = amended(three)
    url = reverse("register:agreement-changes", args=[agreement.reference])
    same = client.get(
        url, {"from": version.version, "from_edition": "2025-10", "to": version.version, "to_edition": "2025-11"}
    )
    assert same.status_code == 200
    assert "Yielded benefits" in page_text(same)
    assert "<ins>" in same.content.decode()
    newest = agreement.versions.order_by("-version_major", "-version_minor").first()
    versions = client.get(url, {"from": version.reference.lower(), "to": newest.version})
    assert versions.status_code == 200
    text = page_text(versions)
    assert "Application title" in text
    assert "(extended)" in text  # the new version's title adds it
    default = page_text(client.get(url))
    assert "The newest version against the one before it" in default


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"from": "99.9", "to": "1.2"}, 404, "This agreement has no version “99.9”"),
        ({"from": "1.2"}, 400, "“to” is missing"),
        ({"from": "{first}", "to": "{first}", "to_edition": "1999-01"}, 404, "No edition “1999-01”"),
        ({"edition": "2030-01"}, 404, "No edition “2030-01”"),
    ],
)
def test_a_bad_comparison_is_a_clear_4xx_never_a_500(client, three, query, status, message):
    agreement, version = amended(three)
    query = {name: value.replace("{first}", version.version) for name, value in query.items()}
    response = client.get(reverse("register:agreement-changes", args=[agreement.reference]), query)
    assert response.status_code == status
    assert message in page_text(response)


def test_an_edition_that_did_not_list_a_version_says_which_did(client, three):
    added = (three.bases("2025-12") - three.bases("2025-11")).pop()
    agreement = Agreement.objects.get(reference=added)
    version = agreement.versions.first()
    response = client.get(
        reverse("register:agreement-changes", args=[agreement.reference]),
        {"from": version.version, "from_edition": "2025-10", "to": version.version},
    )
    assert response.status_code == 404
    assert f"Edition 2025-10 did not list version {version.version}. Editions that did: 2025-12." in page_text(response)


def test_the_timeline_shows_each_edition_and_withdrawal_on_the_agreement_page(client, three):
    withdrawn = (three.bases("2025-10") - three.bases("2025-11")).pop()
    text = page_text(client.get(reverse("register:agreement", args=[withdrawn])))
    assert "History in the register" in text
    assert "Edition 2025-10: Listed (the first edition of this register loaded)" in text
    assert "Edition 2025-11: Withdrawn: no longer listed" in text
    agreement, version = amended(three)
    text = page_text(client.get(agreement.get_absolute_url()))
    assert (
        f"Version {version.version}: amended — see what changed in version {version.version}, edition 2025-11" in text
    )


def test_an_agreement_can_be_cited_as_of_an_edition(client, three):
    agreement, version = amended(three)
    update_line = three.contents("2025-11")[version.reference][0][14].split("\n")[-1]
    assert update_line.startswith("Update: ")
    url = reverse("register:agreement-as-of", args=[agreement.reference, "2025-10"])
    response = client.get(url)
    assert response.status_code == 200
    october = page_text(response)
    assert "Cite this agreement as of edition 2025-10" in october
    assert f"edition 2025-10. Reformatted at http://testserver{url}" in october
    assert "Update:" not in october  # October's words, not November's
    november = page_text(client.get(reverse("register:agreement-as-of", args=[agreement.reference, "2025-11"])))
    assert update_line in november
    current = client.get(agreement.get_absolute_url())
    assert f"this agreement as of edition {agreement.last_edition.code}" in page_text(current)
    stable = reverse("register:agreement-as-of", args=[agreement.reference, agreement.last_edition.code])
    assert f'href="{stable}"' in current.content.decode()


def test_as_of_an_edition_that_does_not_list_it_is_a_404_naming_those_that_do(client, three):
    withdrawn = (three.bases("2025-10") - three.bases("2025-11")).pop()
    response = client.get(reverse("register:agreement-as-of", args=[withdrawn, "2025-12"]))
    assert response.status_code == 404
    assert "Edition 2025-12 does not list this agreement. Editions that list it: 2025-10." in page_text(response)
    lower = client.get(reverse("register:agreement-as-of", args=[withdrawn.lower(), "2025-10"]))
    assert lower.status_code == 301
    assert lower["Location"] == reverse("register:agreement-as-of", args=[withdrawn, "2025-10"])
    changes = client.get(reverse("register:agreement-changes", args=[withdrawn.lower()]) + "?edition=2025-11")
    assert changes["Location"] == reverse("register:agreement-changes", args=[withdrawn]) + "?edition=2025-11"


def test_curators_corrections_are_shown_apart_without_their_names(
    client, three, curator, django_capture_on_commit_callbacks
):
    agreement, version = amended(three)
    register_title = version.title
    curator.username = "jane.doe"
    curator.save()
    with django_capture_on_commit_callbacks(execute=True):
        version.title = "A clearer title, by a curator"
        version.dsa_end = datetime.date(2027, 3, 31)
        actions.save_curated(version, curator, ["title", "dsa_end"])
        use = DatasetUse.objects.filter(version=version).first()
        actions.delete_curated(use, curator)
    response = client.get(agreement.get_absolute_url())
    text = page_text(response)
    section = text.split("Curators’ corrections")[1]
    assert f"A curator corrected version {version.reference}" in section
    assert "A clearer title, by a curator" in section
    assert "DSA end date" in section  # as the register names it, not "Dsa end date"
    assert f"A curator removed a dataset named on a version ({use})" in section
    assert "jane.doe" not in text
    assert "History in the register" in text.split("Curators’ corrections")[0]
    # The register's words stay the register's: the as-of page and the differences read the stored contents.
    as_of = page_text(client.get(reverse("register:agreement-as-of", args=[agreement.reference, "2025-11"])))
    assert register_title in as_of
    assert "A clearer title, by a curator" not in as_of


def test_feeds_are_linked_from_the_pages_they_follow(client, three):
    agreement, _ = amended(three)
    organisation = agreement.latest_version.applicant
    dataset = DatasetUse.objects.filter(version__agreement=agreement).first().dataset
    pages = {
        reverse("register:changes"): reverse("register:changes-atom"),
        organisation.get_absolute_url(): reverse("register:organisation-atom", args=[organisation.slug]),
        dataset.get_absolute_url(): reverse("register:dataset-atom", args=[dataset.slug]),
        reverse("register:agreements") + "?q=data&sort=title": reverse("register:agreements-atom") + "?q=data",
    }
    for page, feed in pages.items():
        body = client.get(page).content.decode()
        head = body.split("</head>")[0]
        assert '<link rel="alternate" type="application/atom+xml"' in head, page
        assert f'href="{feed}"' in head, page
        assert f'<a href="{feed}" type="application/atom+xml">' in body.split("</head>")[1], page


def test_the_edition_pages_are_in_the_navigation(client, three):
    body = client.get(reverse("register:changes")).content.decode()
    assert f'<a href="{reverse("register:changes")}" aria-current="page">What changed</a>' in body
    assert Edition.objects.count() == 3


def test_nasty_values_in_a_comparison_query_never_make_a_server_error(client, three):
    from tests import fuzzing

    agreement, version = amended(three)
    url = reverse("register:agreement-changes", args=[agreement.reference])
    for value in fuzzing.NASTY:
        for query in (
            {"from": value, "to": version.version},
            {"from": version.version, "to": version.version, "to_edition": value},
            {"edition": value},
            {"from": value, "from_edition": value, "to": value, "to_edition": value},
        ):
            response = client.get(url, query)
            fuzzing.check_answer(response, url)
        edition_page = reverse("register:edition-changes", args=["2025-11"])
        fuzzing.check_answer(client.get(edition_page, {"organisation": value, "dataset": value}), edition_page)


def test_generate_register_next_of_needs_a_monthly_workbook(tmp_path):
    from django.core.management import CommandError, call_command

    from register import synthetic

    october = synthetic.build(seed=3, agreements=4, files=10, edition="2025-10")
    source = tmp_path / "october.xlsx"
    synthetic.write(october, source)
    call_command("generate_register", str(tmp_path / "next.xlsx"), "--next-of", str(source), "--edition", "2025-11")
    following = synthetic.from_workbook(tmp_path / "next.xlsx")
    assert len(following.agreements) == 4 + 2 - 1
    months = [row[8] for agreement in following.agreements for row in agreement.files]
    assert months.count("Nov-25") >= 5
    not_a_register = tmp_path / "notes.csv"
    not_a_register.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="sheet 'Agreements' is missing"):
        call_command(
            "generate_register", str(tmp_path / "x.xlsx"), "--next-of", str(not_a_register), "--edition", "2025-11"
        )
