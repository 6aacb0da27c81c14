"""The curator admin: curators can open and edit everything, others cannot, and every change is recorded."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from register import actions, synthetic
from register.importing import import_register_file
from register.models import (
    Agreement,
    AgreementVersion,
    AuditEntry,
    Dataset,
    DatasetFormerSlug,
    DataVersion,
    Edition,
    FileRelease,
    ImportRun,
    Organisation,
    OrganisationFormerSlug,
    Signal,
    VersionContent,
)
from register.signals import store as signal_store
from tests import factories
from tests.admin_forms import change_form_data
from tests.importing import small_register, write_register
from tests.pagetext import page_text


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


REGISTER_MODELS = [model for model in apps.get_app_config("register").get_models() if model in admin.site._registry]


def test_every_register_model_is_in_the_admin():
    unregistered = [
        model.__name__ for model in apps.get_app_config("register").get_models() if model not in admin.site._registry
    ]
    assert unregistered == []


@pytest.mark.parametrize("model", REGISTER_MODELS, ids=lambda m: m.__name__)
def test_curator_can_open_every_changelist_and_change_form(curator_client, curator, seed_data, model, tmp_path):
    if model is AuditEntry:
        actions.save_curated(Organisation.objects.first(), curator, ["notes"])
    if model in (VersionContent, ImportRun):  # rows only imports make
        run = ImportRun.objects.create(user=curator, original_name="x.xlsx", file_path="/nonexistent")
        import_register_file(write_register(small_register(agreements=2, files=4), tmp_path))
        assert run.pk
        # A curator's correction keeps what the register said as a VersionContent.
        actions.save_curated(AgreementVersion.objects.exclude(content_hash="").first(), curator, ["title"])
    if model in (OrganisationFormerSlug, DatasetFormerSlug):  # recorded when a curator moves a page
        organisation = Organisation.objects.first()
        organisation.slug = f"{organisation.slug}-moved"
        actions.save_curated(organisation, curator, ["slug"])
        first, second = Dataset.objects.order_by("name")[:2]
        actions.merge_datasets(first, second, curator)
    if model is Signal:  # computed, never in fixtures (the seed page is not the register: register.signals)
        factories.agreement(commercial=True, sublicensing=True)
        signal_store.refresh()
    response = curator_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    assert obj is not None, f"the fixtures hold no {model.__name__}"
    response = curator_client.get(admin_url(model, "change", obj.pk), follow=True)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "term"), [(Organisation, "manchester"), (Agreement, "M4C8K"), (AgreementVersion, "STP 31")]
)
def test_admin_search_and_autocomplete_find_entries(curator_client, seed_data, model, term):
    response = curator_client.get(admin_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    autocomplete = curator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "register", "model_name": "agreementversion", "field_name": "applicant", "term": "greater man"},
    )
    assert autocomplete.status_code == 200
    assert any("Greater Manchester" in row["text"] for row in autocomplete.json()["results"])


def test_curator_edit_is_recorded_with_before_and_after_and_marked_curated(curator_client, curator, seed_data):
    version = AgreementVersion.objects.get(reference="DARS-NIC-616054-M4C8K")
    url = admin_url(AgreementVersion, "change", version.pk)
    form = curator_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "title": "A corrected title",
            "dsa_start": "2022-11-18",
            "dsa_end": "2025-11-17",
            "applicant": version.applicant_id,
            "agreement": version.agreement_id,
            "editions": [],
        }
    )
    for prefix in ("controller_links", "dataset_uses", "file_releases"):
        data[f"{prefix}-TOTAL_FORMS"] = 0
        data[f"{prefix}-INITIAL_FORMS"] = 0
    data = {key: value for key, value in data.items() if key not in {"curated_fields", "editions"}}
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    version.refresh_from_db()
    assert version.title == "A corrected title"
    assert "title" in version.curated_fields
    entry = AuditEntry.objects.get(object_id=str(version.pk), content_type__model="agreementversion")
    assert entry.user == curator
    assert entry.changes["title"] == [
        "DSfC - NHS Greater Manchester Integrated Care Board - Comm/IV/RS",
        "A corrected title",
    ]
    history = curator_client.get(admin_url(AuditEntry, "change", entry.pk))
    assert "A corrected title" in history.content.decode()


def test_texts_sent_back_untouched_are_not_corrections(curator_client, seed_data):
    """A browser sends a text box's lines ending CRLF: line endings alone are not a curator's correction."""
    version = AgreementVersion.objects.get(reference="DARS-NIC-616054-M4C8K")
    texts = {"objectives": "First line.\nSecond line.", "processing_activities": "a. one\nb. two\r\nc. three"}
    AgreementVersion.objects.filter(pk=version.pk).update(**texts)
    url = admin_url(AgreementVersion, "change", version.pk)
    data = change_form_data(curator_client.get(url), title="A corrected title")
    as_sent = {
        key: value.replace("\r\n", "\n").replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in data.items()
    }
    assert as_sent["objectives"] == "First line.\r\nSecond line."
    response = curator_client.post(url, as_sent)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    version.refresh_from_db()
    assert version.curated_fields == ["title"]
    assert (version.objectives, version.processing_activities) == tuple(texts.values())  # byte for byte
    entry = AuditEntry.objects.get(object_id=str(version.pk), content_type__model="agreementversion")
    assert set(entry.changes) == {"title"}
    # A text a curator did change is stored with the register's line endings.
    data = change_form_data(curator_client.get(url), objectives="Corrected.\r\nTwo lines.")
    assert curator_client.post(url, data).status_code == 302
    version.refresh_from_db()
    assert version.objectives == "Corrected.\nTwo lines."
    assert version.curated_fields == ["objectives", "title"]


def test_every_box_in_an_inline_row_is_named(curator_client, seed_data):
    """Django's tabular inlines head their columns but label no box: each is named for screen readers."""
    version = AgreementVersion.objects.get(reference="DARS-NIC-616054-M4C8K")
    body = curator_client.get(admin_url(AgreementVersion, "change", version.pk)).content.decode()
    boxes = re.findall(r"<(?:input|select|textarea)\b[^>]*\bid=\"id_\w+-\d+-\w+\"[^>]*>", body)
    visible = [box for box in boxes if 'type="hidden"' not in box]
    assert len(visible) > 10  # controllers, dataset uses and file releases, with their delete boxes
    assert [box for box in visible if "aria-label=" not in box] == []
    organisation = re.search(r'<select[^>]*id="id_controller_links-0-organisation"[^>]*>', body)[0]
    assert 'aria-label="Organisation"' in organisation  # inside its related-object wrapper too


def test_audit_entries_cannot_be_changed_or_deleted_even_by_a_superuser(client, seed_data):
    superuser = User.objects.create_superuser("root", "root@example.org", "a-long-test-password")
    entry = actions.save_curated(Organisation.objects.first(), superuser, ["notes"])
    audit = AuditEntry.objects.get(object_id=str(entry.pk))
    client.force_login(superuser)
    assert client.post(admin_url(AuditEntry, "delete", audit.pk), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=audit.pk).exists()
    assert client.get(admin_url(AuditEntry, "add")).status_code == 403


def test_staff_outside_curators_cannot_change_register_content(client, seed_data):
    outsider = User.objects.create_user("outsider", "o@example.org", "a-long-test-password", is_staff=True)
    client.force_login(outsider)
    organisation = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    url = admin_url(Organisation, "change", organisation.pk)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Renamed", "slug": organisation.slug, "kind": "icb"}).status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "NHS Greater Manchester Integrated Care Board"


def test_non_staff_users_are_sent_to_the_login_page(client, seed_data):
    member = User.objects.create_user("member", "m@example.org", "a-long-test-password")
    client.force_login(member)
    response = client.get(admin_url(Organisation, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_curators_cannot_manage_users_groups_or_delete_content(curator_client, seed_data):
    assert curator_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert curator_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    organisation = Organisation.objects.first()
    assert curator_client.get(admin_url(Organisation, "delete", organisation.pk)).status_code == 403


def test_merging_organisations_moves_every_role_and_spelling(curator, seed_data):
    target = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    source = Organisation.objects.create(name="NHS GM ICB (duplicate)", slug="nhs-gm-icb-duplicate", kind="icb")
    source.aliases.create(spelling="NHS GM ICB")
    version = AgreementVersion.objects.get(reference="DARS-NIC-193456-W3M0H")
    version.applicant = source
    version.save()
    actions.merge_organisations(source, target, curator)
    version.refresh_from_db()
    assert version.applicant == target
    assert target.aliases.filter(spelling="NHS GM ICB").exists()
    assert not Organisation.objects.filter(pk=source.pk).exists()
    entry = AuditEntry.objects.get(action="merge")
    assert entry.changes["merged"][0]["name"] == "NHS GM ICB (duplicate)"


def test_a_merge_keeps_the_merged_organisations_links_kind_and_code_where_the_kept_one_has_none(curator, seed_data):
    """A CCG merged into a new spelling of it lost its sub-ICB location (so its ICB stopped gathering its
    agreements), its kind and its ODS code, and the audit entry kept none of them."""
    icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    location = icb.children.first()
    ccg = Organisation.objects.create(
        name="NHS SALFORD CCG", slug="nhs-salford-ccg-test", kind="ccg", ods_code="01G", successor=location
    )
    variant = Organisation.objects.create(name="NHS SALFORD C.C.G.", slug="nhs-salford-ccg-variant")
    university = Organisation.objects.create(
        name="UNIVERSITY OF SALFORD", slug="university-of-salford-test", kind="university"
    )
    version = AgreementVersion.objects.get(reference="DARS-NIC-193456-W3M0H")
    version.applicant = ccg
    version.save()
    actions.merge_organisations(ccg, variant, curator)
    variant.refresh_from_db()
    assert (variant.successor, variant.kind, variant.ods_code) == (location, "ccg", "01G")
    entry = AuditEntry.objects.get(action="merge")
    assert entry.changes["merged"][0]["successor"] == {"id": location.pk, "name": location.name}
    assert entry.changes["merged"][0]["kind"] == "ccg"
    assert entry.changes["moved"][1]["taken from the merged organisation"]["ods_code"] == "01G"
    # what the kept organisation says of itself wins; a link that would make a loop is not taken
    actions.merge_organisations(variant, university, curator)
    university.refresh_from_db()
    assert (university.kind, university.successor) == ("university", location)
    looping = Organisation.objects.create(name="A PART OF THE ICB", slug="a-part-of-the-icb", parent=location)
    actions.merge_organisations(looping, icb, curator)
    icb.refresh_from_db()
    assert icb.parent is None
    # several merged at once, as the admin's action does, one after another with the rows it loaded first: the
    # second's parent was the first, merged (deleted) meanwhile; this answered 500
    kept = Organisation.objects.create(name="KEPT", slug="kept")
    first = Organisation.objects.create(name="FIRST", slug="first")
    second = Organisation.objects.create(name="SECOND", slug="second", parent=first)
    for source in (first, second):
        actions.merge_organisations(source, kept, curator)
    assert list(Organisation.objects.filter(slug__in=["kept", "first", "second"]).values_list("slug", "parent")) == [
        ("kept", None)
    ]


def test_a_curator_edit_announces_that_the_register_changed(
    curator, seed_data, django_capture_on_commit_callbacks, announcements
):
    heard = announcements
    with django_capture_on_commit_callbacks(execute=True):
        icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
        icb.name = "NHS Greater Manchester ICB"
        actions.save_curated(icb, curator, ["name"])
    assert len(heard) == 1
    # Only the agreements it holds are announced, so derived data is rebuilt for them alone (a note alone: none).
    assert heard[0]["agreement_ids"] == set(Agreement.objects.values_list("pk", flat=True))
    assert len(heard[0]["agreement_ids"]) == 2


def test_an_edition_takes_a_note_and_its_source_audited_and_nothing_else(
    client, seed_data, django_capture_on_commit_callbacks
):
    """Editions are made by imports: what the file said of itself stays as imported; a note is audited and shows."""
    superuser = User.objects.create_superuser("admin", "admin@example.org", "a-long-test-password")
    client.force_login(superuser)
    edition = Edition.objects.get(code="seed")
    assert client.get(admin_url(Edition, "add")).status_code == 403
    url = admin_url(Edition, "change", edition.pk)
    data = change_form_data(
        client.get(url),
        note="From the project's seed page.",
        source_url="https://example.org/register.xlsx",
        is_synthetic="on",
        lists_all_agreements="on",
        code="9999-99",
    )
    token = DataVersion.objects.get().token
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    edition.refresh_from_db()
    assert (edition.note, edition.source_url) == ("From the project's seed page.", "https://example.org/register.xlsx")
    assert (edition.code, edition.is_synthetic, edition.lists_all_agreements) == ("seed", False, False)
    entry = AuditEntry.objects.get(content_type__model="edition", object_id=str(edition.pk))
    assert entry.user == superuser
    assert entry.changes["note"][1] == "From the project's seed page."
    assert set(entry.changes) == {"note", "source_url"}
    assert DataVersion.objects.get().token != token  # public pages show the change at once


def test_the_data_version_is_shown_and_never_added_changed_or_deleted(client, seed_data):
    superuser = User.objects.create_superuser("admin", "admin@example.org", "a-long-test-password")
    client.force_login(superuser)
    version = DataVersion.objects.get()
    assert client.get(admin_url(DataVersion, "change", version.pk)).status_code == 200
    assert client.get(admin_url(DataVersion, "add")).status_code == 403
    assert client.post(admin_url(DataVersion, "delete", version.pk), {"post": "yes"}).status_code == 403
    before = version.token
    client.post(admin_url(DataVersion, "change", version.pk), {"token": "typed-in", "changed_at_0": "2020-01-01"})
    assert DataVersion.objects.get().token == before


def test_curator_history_link_lists_the_entrys_own_changes(curator_client, curator, seed_data):
    """Each audited entry's change page links to its history: the link once answered 400 (a lookup the audit list
    did not allow)."""
    icb, other = Organisation.objects.order_by("pk")[:2]
    actions.save_curated(icb, curator, ["notes"])
    actions.save_curated(other, curator, ["notes"])
    page = curator_client.get(admin_url(Organisation, "change", icb.pk)).content.decode()
    [link] = re.findall(r'href="([^"]*auditentry[^"]*)">1 recorded change<', page)
    response = curator_client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert [entry.object_id for entry in response.context["cl"].result_list] == [str(icb.pk)]


def test_an_organisation_cannot_be_its_own_successor_or_part_of_itself_through_another(curator_client, seed_data):
    """Once a 500 (the database's constraint), and a loop of parents was accepted: the ICB page then listed the ICB
    as both what it is part of and one of its own sub-ICB locations."""
    icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    location = icb.children.first()
    assert location is not None
    url = admin_url(Organisation, "change", icb.pk)
    for field, value, message in [
        ("successor", icb.pk, f"That would make a loop: {icb.name} would be succeeded by itself."),
        ("parent", icb.pk, f"That would make a loop: {icb.name} would be part of itself."),
        ("parent", location.pk, f"loop: {icb.name}, part of {location.name}, part of {icb.name}."),
    ]:
        response = curator_client.post(url, change_form_data(curator_client.get(url), **{field: value}))
        assert response.status_code == 200, field
        [error] = response.context["adminform"].form.errors[field]
        assert message in error, error
    icb.refresh_from_db()
    assert (icb.parent, icb.successor) == (None, None)
    assert not AuditEntry.objects.filter(object_id=str(icb.pk)).exists()


def test_a_controller_a_curator_adds_in_the_admin_survives_the_next_import_and_is_reported(
    curator_client, curator, tmp_path
):
    """Controllers edited in a version's inline were once not marked corrected: the next import, even of an
    unchanged row, wrote the register's controllers afresh and the curator's was gone, unreported."""
    first = small_register(agreements=4)
    import_register_file(write_register(first, tmp_path))
    version = AgreementVersion.objects.order_by("reference").first()
    register_controllers = list(version.controller_links.order_by("position").values_list("spelling", flat=True))
    leicester = factories.organisation("University of Leicester", kind=Organisation.Kind.UNIVERSITY)
    url = admin_url(AgreementVersion, "change", version.pk)
    data = change_form_data(curator_client.get(url))
    added = data["controller_links-TOTAL_FORMS"]
    data.update(
        {
            "controller_links-TOTAL_FORMS": added + 1,
            f"controller_links-{added}-position": added,
            f"controller_links-{added}-organisation": leicester.pk,
            f"controller_links-{added}-spelling": "UNIVERSITY OF LEICESTER",
        }
    )
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    version.refresh_from_db()
    assert "controllers" in version.curated_fields
    assert AuditEntry.objects.filter(object_id=str(version.pk), changes__has_key="curated_fields").exists()
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    report = import_register_file(write_register(second, tmp_path))
    spellings = list(version.controller_links.order_by("position").values_list("spelling", flat=True))
    assert spellings == [*register_controllers, "UNIVERSITY OF LEICESTER"]
    [disagreement] = [row for row in report.disagreements if row["field"] == "controllers"]
    assert disagreement["object"] == version.reference
    assert "UNIVERSITY OF LEICESTER" in disagreement["curated"]
    assert all(spelling in disagreement["register"] for spelling in register_controllers)
    assert "UNIVERSITY OF LEICESTER" not in disagreement["register"]


def test_rows_only_register_files_make_are_not_added_nor_their_references_or_owners_changed(curator_client, seed_data):
    """A version's reference changed in the admin split it at the next import (a fresh row for the register's
    reference; the curator's, with its files and note, withdrawn); an agreement added by hand had no version and
    its page answered 500; another agreement's version made the latest showed that agreement's title."""
    for model in (Agreement, AgreementVersion, FileRelease):
        assert curator_client.get(admin_url(model, "add")).status_code == 403, model
    version = AgreementVersion.objects.get(reference="DARS-NIC-616054-M4C8K")
    other = AgreementVersion.objects.exclude(agreement=version.agreement).first()
    url = admin_url(AgreementVersion, "change", version.pk)
    sent = change_form_data(curator_client.get(url), title="Corrected", reference="DARS-NIC-616054-M4C8K-v9.9")
    sent["agreement"] = other.agreement_id
    assert curator_client.post(url, sent).status_code == 302
    version.refresh_from_db()
    assert (version.title, version.reference) == ("Corrected", "DARS-NIC-616054-M4C8K")
    assert version.agreement_id != other.agreement_id
    agreement = version.agreement
    url = admin_url(Agreement, "change", agreement.pk)
    sent = change_form_data(curator_client.get(url), notes="Checked", latest_version=other.pk, reference="X-1")
    assert curator_client.post(url, sent).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.notes, agreement.latest_version_id, agreement.reference) == (
        "Checked",
        version.pk,
        "DARS-NIC-616054-M4C8K",
    )


def test_a_curator_hands_a_corrected_field_back_to_the_register(curator_client, curator, tmp_path):
    """A correction could not be undone: the field stayed frozen at the curator's value through every import. Handed
    back, a version's field takes the register's words again at once, audited, and the next edition's after."""
    first = small_register(agreements=4)
    import_register_file(write_register(first, tmp_path))
    version = AgreementVersion.objects.order_by("reference").first()
    register_title = version.title
    url = admin_url(AgreementVersion, "change", version.pk)
    response = curator_client.post(url, change_form_data(curator_client.get(url), title="A curator's title"))
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.title, version.curated_fields) == ("A curator's title", ["title"])
    form = curator_client.get(url).content.decode()
    assert "Hand back to the register" in form
    response = curator_client.post(url, {**change_form_data(curator_client.get(url)), "hand_back": ["title"]})
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.title, version.curated_fields) == (register_title, [])
    entry = AuditEntry.objects.filter(object_id=str(version.pk)).latest("pk")
    assert entry.changes == {"curated_fields": [["title"], []], "title": ["A curator's title", register_title]}
    assert "Hand back to the register" not in curator_client.get(url).content.decode()  # nothing left to hand back
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    second.agreements[0].versions[0][1] = "The register's new title"
    report = import_register_file(write_register(second, tmp_path))
    version.refresh_from_db()
    assert version.title == "The register's new title"
    assert not [row for row in report.disagreements if row["field"] == "title"]


def test_a_correction_handed_back_after_an_import_changed_the_version_takes_the_registers_newest_words(
    client, curator, tmp_path
):
    """The row of a corrected version holds the correction: once an edition changed the version, nothing kept what
    that edition said of it, so a hand-back left the curator's title (unmarked for good) and the citation cited the
    curator's words. What the register says of a corrected version is now kept apart at each import."""
    first = small_register(agreements=4)
    import_register_file(write_register(first, tmp_path))
    version = Agreement.objects.order_by("reference").first().latest_version  # the version its citation names
    register_title, register_applicant = version.title, version.applicant
    version.title, version.applicant = "A curator's title", Organisation.objects.exclude(pk=version.applicant_id)[0]
    actions.save_curated(version, curator, ["title", "applicant"])
    second = synthetic.next_edition(first, "2025-11", added=0, changed=0, dropped=0)
    [row] = [
        row for agreement in second.agreements for row in agreement.versions if row[0].strip() == version.reference
    ]
    row[10] = "What the data is for, as November says."
    import_register_file(write_register(second, tmp_path))
    version.refresh_from_db()
    assert (version.title, version.objectives) == ("A curator's title", "What the data is for, as November says.")
    page = page_text(client.get(reverse("register:agreement", args=[version.agreement.reference])))
    assert f"“{register_title}”, data sharing agreement" in page
    actions.hand_back(version, ["title", "applicant"], curator)
    version.refresh_from_db()
    assert (version.title, version.applicant, version.curated_fields) == (register_title, register_applicant, [])
    assert version.objectives == "What the data is for, as November says."


def test_admin_pages_load_the_script_that_names_autocomplete_boxes(curator_client, seed_data):
    """Django's select2 boxes have no accessible name while empty (axe's aria-input-field-name): the admin's one
    script names each after its label (checked in a browser by hand: README, "Browser tests")."""
    icb = Organisation.objects.get(slug="nhs-greater-manchester-integrated-care-board")
    page = curator_client.get(admin_url(Organisation, "change", icb.pk)).content.decode()
    assert re.search(r'<script src="[^"]*js/admin-names[^"]*\.js" defer></script>', page)
    assert 'class="admin-autocomplete' in page  # the boxes it names
    assert finders.find("js/admin-names.js")  # collected with the site's static files


def test_hand_back_is_offered_only_for_the_registers_fields_and_only_to_who_may_change_them(
    curator_client, curator, tmp_path
):
    import_register_file(write_register(small_register(agreements=2), tmp_path))
    version = AgreementVersion.objects.order_by("reference").first()
    version.title = "A curator's title"
    actions.save_curated(version, curator, ["title"])
    organisation = version.applicant
    organisation.region = "A curator's region"
    actions.save_curated(organisation, curator, ["region"])
    assert organisation.curated_fields == ["region"]

    # An organisation's fields are the site's own: there is no register value to hand back to.
    organisation_form = curator_client.get(admin_url(Organisation, "change", organisation.pk)).content.decode()
    assert "Hand back to the register" not in organisation_form
    with pytest.raises(ValueError, match="the site's own"):
        actions.hand_back(organisation, ["region"], curator)

    # A member of staff who may only view versions sees the correction, but no box to hand it back.
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_agreementversion"))
    viewing = Client()
    viewing.force_login(viewer)
    version_url = admin_url(AgreementVersion, "change", version.pk)
    viewed = viewing.get(version_url)
    assert viewed.status_code == 200
    assert "A curator&#x27;s title" in viewed.content.decode()
    assert "Hand back to the register" not in viewed.content.decode()
    assert "Hand back to the register" in curator_client.get(version_url).content.decode()
