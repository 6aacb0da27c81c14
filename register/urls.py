from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from register.views import agreements, changes, datasets, organisations, pages, signals

app_name = "register"


def page(route, view, name):
    """A public page, download or feed: it only reads, so it answers GET and HEAD, and anything else with 405 and
    an Allow header (curators write in the admin). Exempt from the CSRF check, which would otherwise answer a POST
    first, with 403: no method that writes ever reaches the view."""
    return path(route, csrf_exempt(require_safe(view)), name=name)


urlpatterns = [
    page("", pages.home, name="home"),
    page("about/", pages.about, name="about"),
    page("agreements/", agreements.agreement_list, name="agreements"),
    page("agreements.csv", agreements.agreements_csv, name="agreements-csv"),
    page("agreements.json", agreements.agreements_json, name="agreements-json"),
    # What changed (issue 5). An agreement's sub-pages come before its catch-all `<path:reference>` pattern.
    page("agreements.atom", changes.agreements_atom, name="agreements-atom"),
    page("agreements/<path:reference>/changes/", changes.agreement_changes, name="agreement-changes"),
    page("agreements/<path:reference>/as-of/<slug:edition>/", changes.agreement_as_of, name="agreement-as-of"),
    page("changes/", changes.changes_index, name="changes"),
    page("changes.atom", changes.changes_atom, name="changes-atom"),
    page("changes/<slug:edition>/", changes.edition_changes, name="edition-changes"),
    page("organisations/<slug:slug>/changes.atom", changes.organisation_atom, name="organisation-atom"),
    page("datasets/<slug:slug>/changes.atom", changes.dataset_atom, name="dataset-atom"),
    page("agreements/<path:reference>/", agreements.agreement_detail, name="agreement"),
    page("organisations/", organisations.organisation_list, name="organisations"),
    page("organisations.csv", organisations.organisations_csv, name="organisations-csv"),
    page("organisations.json", organisations.organisations_json, name="organisations-json"),
    page("organisations/<slug:slug>/", organisations.organisation_detail, name="organisation"),
    page("icbs/", organisations.icb_list, name="icbs"),
    page("datasets/", datasets.dataset_list, name="datasets"),
    page("datasets.csv", datasets.datasets_csv, name="datasets-csv"),
    page("datasets.json", datasets.datasets_json, name="datasets-json"),
    page("datasets/<slug:slug>/", datasets.dataset_detail, name="dataset"),
    page("signals/", signals.signal_list, name="signals"),
]
