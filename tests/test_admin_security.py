"""Admin hardening: sign-in throttling (django-axes), the admin path from the environment, staff only, and the
Curators group's least privilege."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission, User
from django.test import RequestFactory, override_settings
from django.urls import reverse

from register.models import AuditEntry, Organisation
from register.throttle import client_ip
from tests.pagetext import page_text
from tests.test_settings import PRODUCTION, run_manage

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # These tests check dozens of passwords; what they test is the throttling, not the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login_url():
    return reverse("admin:login")


@pytest.fixture
def staff(db):
    return User.objects.create_user("curator", "c@example.org", PASSWORD, is_staff=True)


def sign_in(client, url, password, username="curator", **extra):
    return client.post(url, {"username": username, "password": password, "next": reverse("admin:index")}, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


def test_the_sign_in_page_has_one_heading_and_says_when_it_failed(client, staff, login_url):
    page = client.get(login_url).content.decode()
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == ["Sign in to curate the register"]
    failed = sign_in(client, login_url, "the-wrong-password")
    assert "<title>Error:" in failed.content.decode()


@pytest.mark.parametrize("next_address", ["https://evil.example/", "//evil.example/", ""])
def test_signing_in_with_no_safe_next_address_leads_to_the_admin_not_off_site(client, staff, login_url, next_address):
    response = client.post(login_url, {"username": "curator", "password": PASSWORD, "next": next_address})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")  # was /accounts/profile/, a 404, for a refused one


def test_sign_in_is_locked_after_five_failures_even_with_the_right_password(client, staff, login_url, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        response = sign_in(client, login_url, f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert "Please enter the correct username and password" in response.content.decode()
    locked = sign_in(client, login_url, "wrong-5")
    assert locked.status_code == 429
    text = page_text(locked)
    assert "Sign-in locked: too many failed attempts" in text
    assert "5 failed attempts to sign in as curator from your address" in text
    assert "locked for 15 minutes after the last failed attempt" in text
    assert "permission" not in text  # nothing about what an account signed in may see: nobody is
    assert "<title>Sign-in locked | Register curators</title>" in locked.content.decode()
    right = sign_in(client, login_url, PASSWORD)
    assert right.status_code == 429
    assert not signed_in(client)


def test_the_lock_holds_one_name_from_one_address_only(client, staff, login_url):
    for attempt in range(5):
        sign_in(client, login_url, f"wrong-{attempt}")
    assert sign_in(client, login_url, PASSWORD).status_code == 429
    elsewhere = sign_in(client, login_url, PASSWORD, REMOTE_ADDR="192.0.2.44")
    assert elsewhere.status_code == 302
    assert signed_in(client)


def test_the_lock_lifts_after_the_cool_off(client, staff, login_url):
    for attempt in range(5):
        sign_in(client, login_url, f"wrong-{attempt}")
    assert sign_in(client, login_url, PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="curator")
    attempt.attempt_time -= timedelta(minutes=16)
    attempt.save()
    assert sign_in(client, login_url, PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_successful_sign_in_clears_earlier_failures(client, staff, login_url):
    for attempt in range(4):
        sign_in(client, login_url, f"wrong-{attempt}")
    assert sign_in(client, login_url, PASSWORD).status_code == 302
    client.logout()
    for attempt in range(4):
        assert sign_in(client, login_url, f"again-{attempt}").status_code == 200
    assert sign_in(client, login_url, PASSWORD).status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_lock_follows_the_address_the_proxy_saw(client, staff, login_url):
    for forged in range(5):
        # The client writes whatever it likes on the left; the balancer appends the address it saw.
        response = sign_in(
            client, login_url, "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{forged}, 203.0.113.7"
        )
    assert response.status_code == 429
    other_visitor = sign_in(client, login_url, PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other_visitor.status_code == 302


def test_client_ip_believes_only_the_trusted_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the request did not come through them all
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    garbled = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, unknown")
    assert client_ip(garbled) == "10.0.0.2"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None


def test_staff_only_a_member_without_staff_status_cannot_sign_in(client, db, login_url):
    User.objects.create_user("member", "m@example.org", PASSWORD)
    response = sign_in(client, login_url, PASSWORD, username="member")
    assert response.status_code == 200
    assert "correct username and password for a staff account" in response.content.decode()
    assert not signed_in(client)


def test_the_admin_path_comes_from_the_environment():
    script = (
        "from django.urls import reverse, resolve, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try:\n    resolve('/admin/')\n    print('admin/ still answers')\n"
        "except Resolver404:\n    print('admin/ is gone')\n"
    )
    result = run_manage("shell", "--no-imports", "-c", script, **PRODUCTION, DJANGO_ADMIN_PATH="curate-7f3k/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/curate-7f3k/", "admin/", "is", "gone"]
    bad = run_manage("check", **PRODUCTION, DJANGO_ADMIN_PATH="/admin")
    assert bad.returncode != 0
    assert "DJANGO_ADMIN_PATH must be a relative path ending in '/'" in bad.stderr


CONTENT_MODELS = {
    "organisation",
    "organisationalias",
    "dataset",
    "datasetalias",
    "agreement",
    "agreementversion",
    "versioncontroller",
    "datasetuse",
    "filerelease",
}


def test_curators_hold_exactly_what_curating_needs(db):
    held = set(Group.objects.get(name="Curators").permissions.values_list("content_type__app_label", "codename"))
    expected = {("register", f"{action}_{model}") for model in CONTENT_MODELS for action in ("add", "change", "view")}
    read_only = (
        "edition",
        "auditentry",
        "dataversion",
        "importrun",
        "versionlisting",
        "versioncontent",
        "agreementfacet",
        "organisationformerslug",  # recorded when a curator merges or renames a page's entry
        "datasetformerslug",
        "loadedfixture",  # the reference organisations' loading, recorded once
    )
    expected |= {("register", f"view_{model}") for model in read_only}
    expected.add(("register", "add_importrun"))  # curators upload register files (issue 3)
    expected |= {("register", "view_signal"), ("register", "change_signal")}  # curators review signals (issue 8)
    assert held == expected


def test_curators_cannot_touch_sign_in_records_or_unlock_themselves(curator_client):
    for name in ("axes_accessattempt_changelist", "axes_accesslog_changelist", "auth_permission_changelist"):
        try:
            url = reverse(f"admin:{name}")
        except Exception:
            continue
        assert curator_client.get(url).status_code == 403, name


def test_staff_who_may_only_view_cannot_merge_organisations(client, seed_data):
    viewer = User.objects.create_user("viewer", "v@example.org", PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_organisation"))
    client.force_login(viewer)
    first, second = Organisation.objects.filter(kind="icb")[:2]
    changelist = reverse("admin:register_organisation_changelist")
    listing = client.get(changelist)
    assert listing.status_code == 200
    assert "merge_organisations" not in listing.content.decode()
    client.post(
        changelist,
        {
            "action": "merge_organisations",
            "_selected_action": [first.pk, second.pk],
            "merge_target": first.pk,
            "confirm": "yes",
        },
    )
    assert Organisation.objects.filter(pk=second.pk).exists()
    assert not AuditEntry.objects.filter(action="merge").exists()


def test_curators_can_merge_and_the_merge_is_audited(curator_client, seed_data):
    first, second = Organisation.objects.filter(kind="icb").order_by("name")[:2]
    response = curator_client.post(
        reverse("admin:register_organisation_changelist"),
        {
            "action": "merge_organisations",
            "_selected_action": [first.pk, second.pk],
            "merge_target": first.pk,
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=second.pk).exists()
    entry = AuditEntry.objects.get(action="merge")
    assert entry.user.username == "curator"
    assert entry.changes["merged"][0]["name"] == second.name


def test_curators_cannot_change_or_delete_the_audit_trail(curator_client, curator, seed_data):
    from register import actions

    actions.save_curated(Organisation.objects.first(), curator, ["notes"])
    entry = AuditEntry.objects.get()
    change = reverse("admin:register_auditentry_change", args=[entry.pk])
    assert curator_client.get(change).status_code == 200  # readable
    assert curator_client.post(change, {"object_repr": "rewritten", "action": "add"}).status_code == 403
    assert curator_client.post(reverse("admin:register_auditentry_delete", args=[entry.pk])).status_code == 403
    listing = curator_client.get(reverse("admin:register_auditentry_changelist"))
    assert "delete_selected" not in listing.content.decode()
    bulk = curator_client.post(
        reverse("admin:register_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.object_repr != "rewritten"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
