from django.urls import path

from register.views import agreements, changes, datasets, organisations, pages, signals

app_name = "register"

urlpatterns = [
    path("", pages.home, name="home"),
    path("about/", pages.about, name="about"),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements.csv", agreements.agreements_csv, name="agreements-csv"),
    path("agreements.json", agreements.agreements_json, name="agreements-json"),
    # What changed (issue 5). An agreement's sub-pages come before its catch-all `<path:reference>` pattern.
    path("agreements.atom", changes.agreements_atom, name="agreements-atom"),
    path("agreements/<path:reference>/changes/", changes.agreement_changes, name="agreement-changes"),
    path("agreements/<path:reference>/as-of/<slug:edition>/", changes.agreement_as_of, name="agreement-as-of"),
    path("changes/", changes.changes_index, name="changes"),
    path("changes.atom", changes.changes_atom, name="changes-atom"),
    path("changes/<slug:edition>/", changes.edition_changes, name="edition-changes"),
    path("organisations/<slug:slug>/changes.atom", changes.organisation_atom, name="organisation-atom"),
    path("datasets/<slug:slug>/changes.atom", changes.dataset_atom, name="dataset-atom"),
    path("agreements/<path:reference>/", agreements.agreement_detail, name="agreement"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations.csv", organisations.organisations_csv, name="organisations-csv"),
    path("organisations.json", organisations.organisations_json, name="organisations-json"),
    path("organisations/<slug:slug>/", organisations.organisation_detail, name="organisation"),
    path("icbs/", organisations.icb_list, name="icbs"),
    path("datasets/", datasets.dataset_list, name="datasets"),
    path("datasets.csv", datasets.datasets_csv, name="datasets-csv"),
    path("datasets.json", datasets.datasets_json, name="datasets-json"),
    path("datasets/<slug:slug>/", datasets.dataset_detail, name="dataset"),
    path("signals/", signals.signal_list, name="signals"),
]
