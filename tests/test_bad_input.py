"""Bad input, generated (hypothesis): every URL pattern of the public site (read from the resolver, so pages
added later are covered), with generated path values and, for every query parameter a page reads or a
FilterSet declares, generated values. Never a 500: always a clear 4xx page or a correct page.

FUZZ_EXAMPLES sets the examples per URL pattern (default 60); the counts run are printed at the end.
"""

import os
import re

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, resolve, reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import fuzzing
from tests.urlwalk import object_urls, public_routes, sample_url

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))


def path_values(route, parameter, known_urls):
    converter = route.converters[parameter]
    real = sorted(
        {
            match.kwargs[parameter]
            for match in map(resolve, known_urls)
            if match.view_name == route.name and parameter in match.kwargs
        }
    )
    fits = [value for value in fuzzing.NASTY if converter.regex and _fits(converter, value)]
    options = [st.from_regex(converter.regex, fullmatch=True), st.sampled_from(fits or ["x"])]
    if real:
        options.append(st.sampled_from(real))
    return st.one_of(*options)


def _fits(converter, value):
    return re.fullmatch(converter.regex, value) is not None


@pytest.mark.parametrize("route", public_routes(), ids=lambda route: route.name)
def test_no_generated_address_or_query_gets_a_server_error(client, seed_data, monkeypatch, route):
    known_urls = object_urls(per_model=5)
    page = sample_url(route, known_urls)
    names, sample = fuzzing.record_parameters(monkeypatch, client, page)
    offered = fuzzing.offered_values(sample)
    names |= set(offered) | fuzzing.filterset_fields(route.callback)
    kwargs_strategy = st.fixed_dictionaries(
        {parameter: path_values(route, parameter, known_urls) for parameter in route.converters}
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(kwargs=kwargs_strategy, query=fuzzing.query_strategy(names, offered), raw=st.none() | fuzzing.RAW_QUERIES)
    def one_request(kwargs, query, raw):
        try:
            url = reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            assume(False)
        fuzzing.EXAMPLES[route.name] += 1
        # A savepoint per request: a failing query must not poison the rest of the run's transaction.
        with transaction.atomic():
            response = client.get(f"{url}?{raw}") if raw is not None else client.get(url, query)
            fuzzing.check_answer(response, url)

    one_request()
    assert fuzzing.EXAMPLES[route.name] > 0


@pytest.mark.parametrize("route", public_routes(), ids=lambda route: route.name)
def test_public_pages_only_read_they_answer_get_and_head_and_refuse_other_methods(known_urls, route):
    """Nothing public writes (curators write in the admin): another method gets 405 and what is allowed, not the
    page (OPTIONS once streamed a whole CSV), nor the CSRF check's 403 (the client checks CSRF, as a browser's
    request is checked)."""
    client = Client(enforce_csrf_checks=True)
    page = sample_url(route, known_urls)
    shown = client.get(page).status_code
    assert client.head(page).status_code == shown
    for method in ("post", "put", "delete", "patch", "options"):
        response = getattr(client, method)(page)
        assert response.status_code == 405, f"{method.upper()} {page}: {response.status_code}"
        assert response["Allow"] == "GET, HEAD"


def test_a_nul_character_in_the_address_or_a_query_gets_a_clear_400_page(client, seed_data):
    from tests.pagetext import page_text

    in_path = client.get("/agreements/DARS%00NIC/")
    assert in_path.status_code == 400
    assert "The address contains a NUL character (%00)" in page_text(in_path)
    in_query = client.get(reverse("register:organisation", args=["nhs-bolton-ccg"]), {"q": "bolton\x00"})
    assert in_query.status_code == 400
    assert "The query parameter “q” contains a NUL character" in page_text(in_query)


def test_too_many_query_parameters_get_a_clear_400_not_a_server_error(client, seed_data):
    from tests.pagetext import page_text

    many = "&".join(f"x{n}=1" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    page = client.get(f"{reverse('register:agreements')}?{many}")
    assert page.status_code == 400
    assert "The address has more than 1,000 query parameters" in page_text(page)
    assert page["Content-Security-Policy"]  # the site's own 400 page, with its headers
    enough = "&".join(f"x{n}=1" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS))
    assert client.get(f"{reverse('register:agreements')}?{enough}").status_code == 200


def test_a_download_refused_by_the_guard_answers_in_its_own_format(client, seed_data):
    as_json = client.get(reverse("register:agreements-json"), {"q": "bolton\x00"})
    assert as_json.status_code == 400
    assert as_json["Content-Type"] == "application/json"
    body = as_json.json()
    assert body["problems"] == [
        "Query (q): The query parameter “q” contains a NUL character (%00), which no search or filter accepts."
    ]
    many = "&".join(f"x{n}=1" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    as_csv = client.get(f"{reverse('register:agreements-csv')}?{many}")
    assert as_csv.status_code == 400
    assert as_csv["Content-Type"] == "text/plain; charset=utf-8"
    assert "more than 1,000 query parameters" in as_csv.content.decode()


def test_the_harness_finds_the_parameters_a_page_reads(curator_client, monkeypatch, seed_data):
    # The admin's change list reads its search box and page number from the query: the recorder must see them.
    names, response = fuzzing.record_parameters(
        monkeypatch, curator_client, reverse("admin:register_organisation_changelist")
    )
    assert response.status_code == 200
    assert {"q", "p"} <= names
    assert "q" in fuzzing.offered_values(response)


def test_the_harness_reads_the_fields_of_a_declared_filterset():
    import django_filters

    from register.models import AgreementVersion

    class VersionFilter(django_filters.FilterSet):
        applicant = django_filters.CharFilter(field_name="applicant__name", lookup_expr="icontains")
        start = django_filters.DateFromToRangeFilter(field_name="dsa_start")

        class Meta:
            model = AgreementVersion
            fields = ["commercial"]

    def view(request):
        return None

    view.filterset_class = VersionFilter
    assert fuzzing.filterset_fields(view) == {"applicant", "start_after", "start_before", "commercial"}


def test_a_form_without_its_csrf_token_gets_the_sites_own_page_saying_nothing_changed(db):
    """Django's own CSRF page carries an inline style the Content-Security-Policy blocks, and says "DEBUG=True"."""
    from tests.pagetext import page_text

    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    text = page_text(response)
    assert "The form could not be accepted" in text
    assert "Nothing was changed." in text
    assert "DEBUG" not in text
    assert "<style" not in response.content.decode()


class Unreadable:
    """A request body that must not be read."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("url_name", ["admin:login", "admin:register_importrun_upload", "register:home"])
def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(client, db, url_name):
    """An anonymous 300 MB POST to the sign-in page was written in full to /tmp before the CSRF check refused it."""
    declared = django_settings.REGISTER_UPLOAD_MAX_BYTES * 3
    response = client.generic(
        "POST",
        reverse(url_name),
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(declared),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    text = re.sub(r"\s+", " ", response.content.decode())
    assert f"The request is {declared / 1e6:,.0f} MB: this site accepts at most 100 MB" in text
    assert "Nothing was read, and nothing was changed." in text


def test_a_body_length_too_large_to_be_a_number_of_bytes_gets_the_same_413(client, db):
    """400 nines: formatting it as megabytes overflowed, a 500."""
    response = client.get(reverse("register:home"), CONTENT_LENGTH="9" * 400, **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    assert "The request is more than a billion MB" in response.content.decode()
