"""Curators' merges and links, and stable addresses: after a curator merges two organisations or two datasets, or
changes a slug, the old pages' addresses (and their feeds') redirect to the page now, and a later import neither
undoes the merge nor takes the old address for a new page; a spelling linked elsewhere takes the rows written with it.
"""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from register import actions, synthetic
from register.importing import import_register_file
from register.models import (
    AgreementVersion,
    AuditEntry,
    Dataset,
    DatasetAlias,
    DatasetFormerSlug,
    DatasetUse,
    FileRelease,
    Organisation,
    OrganisationAlias,
    OrganisationFormerSlug,
    Signal,
)
from register.names import dataset_family_key, name_key
from register.signals import store as signal_store
from tests import factories
from tests.admin_forms import change_form_data
from tests.importing import small_register, write_register

TWIN = "Hospital Episode Statistics Admitted Patient Care"
JANUARY = datetime.date(2024, 1, 1)


@pytest.fixture
def twins(db):
    """One agreement naming one dataset under two names, with a file of each in one month (opt-outs applied to one)."""
    agreement = factories.agreement(
        datasets=[factories.HES_APC, TWIN],
        files=[(factories.HES_APC, JANUARY, True), (TWIN, JANUARY, False)],
    )
    return agreement, Dataset.objects.get(name=factories.HES_APC), Dataset.objects.get(name=TWIN)


def test_merging_datasets_moves_every_use_file_and_spelling_and_works_the_signals_out_again(curator, twins):
    agreement, kept, twin = twins
    twin.notes = "Renamed in 2024."
    twin.save()
    twin_id = twin.pk
    # Two names: no file of either shows opt-outs both applied and not.
    signal_store.refresh()
    assert not Signal.objects.filter(kind="opt-outs-mixed").exists()

    actions.merge_datasets(twin, kept, curator)

    assert not Dataset.objects.filter(pk=twin_id).exists()
    assert set(DatasetUse.objects.filter(version__agreement=agreement).values_list("dataset_id", flat=True)) == {
        kept.pk
    }
    assert set(FileRelease.objects.filter(agreement=agreement).values_list("dataset_id", flat=True)) == {kept.pk}
    # The register's own wording stays on each row; the spelling now leads to the dataset kept.
    assert FileRelease.objects.filter(dataset=kept, dataset_name=TWIN).count() == 1
    assert DatasetAlias.objects.get(spelling=TWIN).dataset == kept
    kept.refresh_from_db()
    assert kept.notes == "Renamed in 2024."
    entry = AuditEntry.objects.get(action="merge")
    assert entry.user == curator
    assert entry.changes["merged"][0] == {"id": twin_id, "name": TWIN, "slug": twin.slug}
    assert entry.changes["moved"][1] == {"aliases": 1, "uses": 1, "file_releases": 1, "signals": 0}
    # One dataset now: its January files to one organisation disagree about opt-outs.
    signal = Signal.objects.get(kind="opt-outs-mixed", agreement=agreement)
    assert signal.dataset == kept


def test_a_dataset_cannot_be_merged_into_itself(curator, twins):
    _, kept, _ = twins
    with pytest.raises(ValueError, match="itself"):
        actions.merge_datasets(kept, kept, curator)
    assert not AuditEntry.objects.exists()


def test_a_merged_datasets_page_and_feed_redirect_to_the_dataset_kept(client, curator, twins):
    _, kept, twin = twins
    actions.merge_datasets(twin, kept, curator)

    page = client.get(reverse("register:dataset", args=[twin.slug]))
    assert page.status_code == 301
    assert page["Location"] == reverse("register:dataset", args=[kept.slug])
    feed = client.get(reverse("register:dataset-atom", args=[twin.slug]), {"edition": "2025-11"})
    assert feed.status_code == 301
    assert feed["Location"] == reverse("register:dataset-atom", args=[kept.slug]) + "?edition=2025-11"
    kept_page = client.get(page["Location"])
    assert kept_page.status_code == 200
    assert kept_page.context["summary"].file_total == 2
    # An address that never was stays a clear 404, pointing to the list.
    missing = client.get(reverse("register:dataset", args=["no-such-dataset"]))
    assert missing.status_code == 404
    assert f'href="{reverse("register:datasets")}"' in missing.content.decode()


def test_addresses_follow_a_chain_of_merges_and_renames_to_the_page_now(client, curator, db):
    first = factories.organisation("NHS NORTH CCG")
    second = factories.organisation("NHS NORTH AND EAST CCG")
    third = factories.organisation("NHS North East Integrated Care Board", kind=Organisation.Kind.ICB)
    old_first, old_second, old_third = first.slug, second.slug, third.slug
    actions.merge_organisations(first, second, curator)
    actions.merge_organisations(second, third, curator)
    third.slug = "nhs-north-east-icb"
    actions.save_curated(third, curator, ["slug"])

    for old in (old_first, old_second, old_third):
        response = client.get(reverse("register:organisation", args=[old]))
        assert response.status_code == 301, old
        assert response["Location"] == reverse("register:organisation", args=["nhs-north-east-icb"])
        feed = client.get(reverse("register:organisation-atom", args=[old]))
        assert feed["Location"] == reverse("register:organisation-atom", args=["nhs-north-east-icb"])
    assert client.get(reverse("register:organisation", args=["nhs-north-east-icb"])).status_code == 200
    assert sorted(third.former_slugs.values_list("slug", flat=True)) == sorted([old_first, old_second, old_third])


def test_a_page_that_takes_back_a_former_address_is_served_there(client, curator, db):
    organisation = factories.organisation("NHS WEST CCG")
    original = organisation.slug
    organisation.slug = "nhs-west"
    actions.save_curated(organisation, curator, ["slug"])
    organisation.slug = original
    actions.save_curated(organisation, curator, ["slug"])

    assert client.get(reverse("register:organisation", args=[original])).status_code == 200
    assert list(organisation.former_slugs.values_list("slug", flat=True)) == ["nhs-west"]
    assert client.get(reverse("register:organisation", args=["nhs-west"]))["Location"] == reverse(
        "register:organisation", args=[original]
    )


def test_curators_merge_datasets_in_the_admin_and_the_old_address_redirects(curator_client, client, twins):
    _, kept, twin = twins
    changelist = reverse("admin:register_dataset_changelist")
    chosen = [kept.pk, twin.pk]
    ask = curator_client.post(changelist, {"action": "merge_datasets", "_selected_action": chosen})
    assert ask.status_code == 200
    assert "Keep which dataset?" in ask.content.decode()
    assert f"{TWIN} (named on 1 version)" in ask.content.decode()
    assert Dataset.objects.filter(pk=twin.pk).exists()  # nothing happens until the curator confirms
    assert " checked" not in ask.content.decode()  # nothing is chosen for the curator
    unchosen = curator_client.post(
        changelist, {"action": "merge_datasets", "_selected_action": chosen, "confirm": "yes"}
    )
    assert unchosen.status_code == 200
    assert "Choose which dataset to keep: nothing was merged." in unchosen.content.decode()
    assert Dataset.objects.filter(pk=twin.pk).exists()

    done = curator_client.post(
        changelist, {"action": "merge_datasets", "_selected_action": chosen, "merge_target": kept.pk, "confirm": "yes"}
    )
    assert done.status_code == 302
    assert not Dataset.objects.filter(pk=twin.pk).exists()
    assert AuditEntry.objects.get(action="merge").user.username == "curator"
    assert "Merged 1 dataset into" in curator_client.get(done["Location"]).content.decode()
    # Searching matches both spellings now; each use is still counted once.
    found = curator_client.get(changelist, {"q": "admitted patient care"}).context["cl"].result_list
    assert [(dataset.pk, dataset.use_count) for dataset in found] == [(kept.pk, 2)]
    change_form = curator_client.get(reverse("admin:register_dataset_change", args=[kept.pk]))
    assert twin.slug in change_form.content.decode()  # the former address, shown read-only
    assert client.get(reverse("register:dataset", args=[twin.slug]))["Location"] == kept.get_absolute_url()


def test_a_merge_of_several_entries_that_fails_partway_merges_none_of_them(curator_client, twins):
    _, kept, twin = twins
    third = factories.dataset("HES APC (a third name)")
    real_merge, merged = actions.merge_datasets, []

    def fails_second_time(source, target, user):
        if merged:
            raise RuntimeError("the second merge failed")
        merged.append(real_merge(source, target, user))

    chosen = [kept.pk, twin.pk, third.pk]
    changelist = reverse("admin:register_dataset_changelist")
    data = {"action": "merge_datasets", "_selected_action": chosen, "merge_target": kept.pk, "confirm": "yes"}
    with mock.patch("register.actions.merge_datasets", side_effect=fails_second_time), pytest.raises(RuntimeError):
        curator_client.post(changelist, data)
    assert merged  # the first merge ran, and was undone with the second
    assert set(Dataset.objects.filter(pk__in=chosen).values_list("pk", flat=True)) == set(chosen)
    assert not AuditEntry.objects.filter(action="merge").exists()


def test_staff_who_may_only_view_cannot_merge_datasets(client, twins):
    _, kept, twin = twins
    viewer = User.objects.create_user("viewer", password="a-long-test-password", is_staff=True)
    viewer.user_permissions.add(*_permissions("view_dataset"))
    client.force_login(viewer)
    changelist = reverse("admin:register_dataset_changelist")
    assert "merge_datasets" not in client.get(changelist).content.decode()
    client.post(
        changelist,
        {"action": "merge_datasets", "_selected_action": [kept.pk, twin.pk], "merge_target": kept.pk, "confirm": "yes"},
    )
    assert Dataset.objects.filter(pk=twin.pk).exists()
    assert not DatasetFormerSlug.objects.exists()


def test_changing_a_slug_in_the_admin_keeps_the_old_address_working(curator_client, client, seed_data):
    organisation = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    form = curator_client.get(reverse("admin:register_organisation_change", args=[organisation.pk]))
    data = change_form_data(form, slug="greater-manchester-icb")
    saved = curator_client.post(reverse("admin:register_organisation_change", args=[organisation.pk]), data)
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors

    old = client.get(reverse("register:organisation", args=["nhs-greater-manchester-integrated-care-board"]))
    assert old.status_code == 301
    assert old["Location"] == reverse("register:organisation", args=["greater-manchester-icb"])
    assert OrganisationFormerSlug.objects.get().slug == "nhs-greater-manchester-integrated-care-board"


def test_a_dataset_merge_survives_a_reimport(tmp_path, curator):
    first = small_register(agreements=6)
    import_register_file(write_register(first, tmp_path))
    source, target = Dataset.objects.order_by("name")[:2]
    actions.merge_datasets(source, target, curator)
    datasets = Dataset.objects.count()
    import_register_file(write_register(synthetic.next_edition(first, "2025-11", added=0, dropped=0), tmp_path))

    assert Dataset.objects.count() == datasets
    assert DatasetAlias.objects.get(spelling=source.name).dataset == target
    assert not DatasetUse.objects.filter(dataset_name=source.name).exclude(dataset=target).exists()
    assert DatasetFormerSlug.objects.get(slug=source.slug).dataset == target


def test_a_new_organisation_from_an_import_does_not_take_a_former_address(tmp_path, curator):
    # A curator added an organisation by hand at "former-address-ltd", then moved it to another address.
    added = Organisation.objects.create(name="Former Address Limited", slug="former-address-ltd")
    added.slug = "former-address-limited"
    actions.save_curated(added, curator, ["slug"])
    # The register then names an organisation whose own address would be "former-address-ltd".
    register = small_register(agreements=3)
    register.agreements[0].versions[0][2] = "FORMER ADDRESS LTD"
    import_register_file(write_register(register, tmp_path))

    new = Organisation.objects.get(name="FORMER ADDRESS LTD")
    assert new.pk != added.pk
    assert new.slug == "former-address-ltd-2"
    response = Client().get(reverse("register:organisation", args=["former-address-ltd"]))
    assert response["Location"] == added.get_absolute_url()


def _permissions(*codenames):
    return Permission.objects.filter(content_type__app_label="register", codename__in=codenames)


def test_the_agreement_list_and_its_downloads_filter_by_a_merged_datasets_former_address(
    client, curator, twins, django_capture_on_commit_callbacks
):
    agreement, kept, twin = twins
    factories.index()
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge_datasets(twin, kept, curator)

    page = client.get(reverse("register:agreements"), {"dataset": twin.slug})
    assert page.status_code == 200
    assert [row.agreement.reference for row in page.context["list"].rows] == [agreement.reference]
    download = client.get(reverse("register:agreements-csv"), {"dataset": twin.slug})
    assert download.status_code == 200
    assert agreement.reference in b"".join(download.streaming_content).decode()
    # A value that never was is still refused, with the reason.
    refused = client.get(reverse("register:agreements"), {"dataset": "no-such-dataset"})
    assert refused.status_code == 400
    assert "No agreement in the loaded register has dataset “no-such-dataset”" in refused.content.decode()


def test_the_organisation_filter_takes_a_former_address_that_is_no_spelling(client, curator, db):
    agreement = factories.agreement(applicant="NHS WEST CCG")
    factories.index()
    organisation = agreement.latest_version.applicant
    for slug in ("west-one", "west-two"):
        organisation.slug = slug
        actions.save_curated(organisation, curator, ["slug"])

    page = client.get(reverse("register:agreements"), {"organisation": "west-one"})
    assert page.status_code == 200
    assert [row.agreement.reference for row in page.context["list"].rows] == [agreement.reference]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Hospital Episode Statistics Outpatients", "Hospital Episode Statistics Outpatients (HES OP)", True),
        ("Diagnostic Imaging Dataset", "Diagnostic Imaging Data Set (DID)", True),
        (
            "Improving Access to Psychological Therapies (IAPT) v1.5",
            "Improving Access to Psychological Therapies",
            True,
        ),
        ("Maternity Services Data Set", "Mental Health Services Data Set", False),
        ("Bespoke Extract : SUS PbR OP", "Bespoke Monthly Extract : SUS PbR OP", False),
        ("(HES APC)", "Hospital Episode Statistics Admitted Patient Care", False),
    ],
)
def test_names_of_one_dataset_written_two_ways_share_a_family(first, second, same):
    assert (dataset_family_key(first) == dataset_family_key(second)) is same


def test_curators_are_shown_datasets_possibly_named_twice(curator_client, twins):
    _, kept, twin = twins
    other = factories.dataset(factories.HES_OP)
    changelist = reverse("admin:register_dataset_changelist")
    found = curator_client.get(changelist, {"named_twice": "yes"}).context["cl"].result_list
    assert {dataset.pk for dataset in found} == {kept.pk, twin.pk}
    assert other.pk in {dataset.pk for dataset in curator_client.get(changelist).context["cl"].result_list}
    form = curator_client.get(reverse("admin:register_dataset_change", args=[twin.pk])).content.decode()
    assert f'<a href="{reverse("admin:register_dataset_change", args=[kept.pk])}">{kept.name}</a>' in form


def test_a_spelling_linked_to_another_organisation_takes_the_rows_written_with_it(curator, db):
    # The register wrote one body two ways; an import linked both spellings to one organisation, wrongly.
    lumped = factories.organisation("NHS SOUTH CSU", spellings=["NHS SOUTH CENTRAL AND WEST CSU"])
    agreement = factories.agreement(
        applicant=lumped, files=[(factories.HES_APC, JANUARY, False), (factories.HES_APC, JANUARY, False)]
    )
    version = agreement.latest_version
    version.applicant_name = "NHS South Central and West CSU"
    version.save()
    link = version.controller_links.get()
    link.spelling = "NHS SOUTH CENTRAL & WEST CSU"  # the same spelling's key: case and "&" do not matter
    link.save()
    FileRelease.objects.filter(agreement=agreement).update(organisation=lumped)
    first, second = FileRelease.objects.filter(agreement=agreement).order_by("pk")
    first.organisation_name = "NHS SOUTH CENTRAL AND WEST CSU"
    first.save()
    second.organisation_name = "NHS SOUTH CSU"  # the other spelling stays where it is
    second.save()
    other = factories.agreement(reference="DARS-NIC-11111-AAAAA", applicant=lumped)
    corrected = other.latest_version
    corrected.applicant_name = "NHS SOUTH CENTRAL AND WEST CSU"
    corrected.curated_fields = ["applicant"]  # a curator set this applicant by hand: it stays
    corrected.save()
    separate = factories.organisation("NHS South, Central and West Commissioning Support Unit")

    alias = OrganisationAlias.objects.get(spelling="NHS SOUTH CENTRAL AND WEST CSU")
    alias.organisation = separate
    actions.save_curated(alias, curator, ["organisation"])

    version.refresh_from_db()
    link.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    corrected.refresh_from_db()
    assert (version.applicant, link.organisation, first.organisation) == (separate, separate, separate)
    assert (second.organisation, corrected.applicant) == (lumped, lumped)
    entry = AuditEntry.objects.get(object_id=str(alias.pk))
    assert entry.changes["rows moved with the spelling"][1] == {
        "agreement versions (applicant)": 1,
        "version controllers (organisation)": 1,
        "file releases (organisation)": 1,
    }


def test_a_spelling_linked_to_another_dataset_in_the_admin_takes_its_uses_and_files(curator_client, twins):
    agreement, kept, twin = twins
    alias = DatasetAlias.objects.get(spelling=TWIN)
    form = curator_client.get(reverse("admin:register_datasetalias_change", args=[alias.pk]))
    saved = curator_client.post(
        reverse("admin:register_datasetalias_change", args=[alias.pk]), change_form_data(form, dataset=kept.pk)
    )
    assert saved.status_code == 302

    assert set(DatasetUse.objects.filter(version__agreement=agreement).values_list("dataset", flat=True)) == {kept.pk}
    assert set(FileRelease.objects.filter(agreement=agreement).values_list("dataset", flat=True)) == {kept.pk}
    assert Dataset.objects.filter(pk=twin.pk).exists()  # emptied, not deleted: a merge removes it


def test_a_spelling_a_curator_linked_elsewhere_stays_linked_after_a_reimport(tmp_path, curator):
    first = small_register(agreements=6)
    import_register_file(write_register(first, tmp_path))
    version = AgreementVersion.objects.exclude(applicant_name="").order_by("reference").first()
    alias = OrganisationAlias.objects.get(key=name_key(version.applicant_name))
    elsewhere = factories.organisation("A body a curator knows it to be")
    alias.organisation = elsewhere
    actions.save_curated(alias, curator, ["organisation"])
    spelled = [v.pk for v in AgreementVersion.objects.all() if name_key(v.applicant_name) == alias.key]
    assert set(AgreementVersion.objects.filter(pk__in=spelled).values_list("applicant", flat=True)) == {elsewhere.pk}

    import_register_file(write_register(synthetic.next_edition(first, "2025-11", added=0, dropped=0), tmp_path))

    spelled = [v.pk for v in AgreementVersion.objects.all() if name_key(v.applicant_name) == alias.key]
    assert set(AgreementVersion.objects.filter(pk__in=spelled).values_list("applicant", flat=True)) == {elsewhere.pk}


def test_a_spelling_that_is_already_another_entrys_is_refused_with_the_reason(curator_client, db):
    factories.organisation("NHS ONE CCG")
    other = factories.organisation("NHS SECOND CCG", spellings=["NHS 2ND CCG"])
    alias = OrganisationAlias.objects.get(spelling="NHS 2ND CCG")
    spellings = OrganisationAlias.objects.count()
    add = reverse("admin:register_organisationalias_add")
    clash = curator_client.post(add, {"spelling": "nhs one ccg", "organisation": other.pk})
    assert clash.status_code == 200
    assert "“NHS ONE CCG” is already a spelling of NHS ONE CCG" in clash.content.decode()
    url = reverse("admin:register_organisationalias_change", args=[alias.pk])
    renamed = curator_client.post(url, change_form_data(curator_client.get(url), spelling="NHS 3RD CCG"))
    assert "This is how the register wrote the name" in renamed.content.decode()
    alias.refresh_from_db()
    assert alias.spelling == "NHS 2ND CCG"
    assert OrganisationAlias.objects.count() == spellings
    # Case, spacing and punctuation may be tidied: the key, and so the next import's match, stays.
    tidied = curator_client.post(url, change_form_data(curator_client.get(url), spelling="NHS 2nd CCG"))
    assert tidied.status_code == 302
    alias.refresh_from_db()
    assert (alias.spelling, alias.organisation) == ("NHS 2nd CCG", other)


def test_spellings_added_on_an_entrys_form_are_checked_against_each_other_and_the_rest(curator_client, db):
    factories.organisation("NHS ONE CCG")
    organisation = factories.organisation("NHS SECOND CCG")
    url = reverse("admin:register_organisation_change", args=[organisation.pk])
    form = curator_client.get(url)
    data = change_form_data(form)
    prefix = form.context["inline_admin_formsets"][0].formset.prefix
    existing = int(data[f"{prefix}-TOTAL_FORMS"])
    for spellings, message in [
        (["NHS 2nd CCG", "NHS 2ND  CCG."], "are one spelling"),
        (["NHS One CCG"], "is already a spelling of NHS ONE CCG"),
    ]:
        added = {f"{prefix}-{existing + n}-spelling": spelling for n, spelling in enumerate(spellings)}
        added[f"{prefix}-TOTAL_FORMS"] = existing + len(spellings)
        response = curator_client.post(url, {**data, **added})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert list(organisation.aliases.values_list("spelling", flat=True)) == ["NHS SECOND CCG"]


def test_an_organisation_recreated_after_a_wrong_merge_takes_its_address_back(curator_client, client, curator, db):
    wrongly_merged = factories.organisation("NHS EAST CCG")
    kept = factories.organisation("NHS EAST ICB")
    address = wrongly_merged.slug
    actions.merge_organisations(wrongly_merged, kept, curator)
    assert client.get(reverse("register:organisation", args=[address]))["Location"] == kept.get_absolute_url()

    # The curator undoes the merge by adding the organisation again, at its old address.
    add = reverse("admin:register_organisation_add")
    data = change_form_data(curator_client.get(add), name="NHS EAST CCG", slug=address, kind="ccg")
    assert curator_client.post(add, data).status_code == 302

    recreated = Organisation.objects.get(slug=address)
    assert client.get(reverse("register:organisation", args=[address])).context["organisation"] == recreated
    # The old address is nobody's former address now: the merge target no longer claims it.
    assert not OrganisationFormerSlug.objects.filter(slug=address).exists()
    assert address not in kept.former_slugs.values_list("slug", flat=True)
