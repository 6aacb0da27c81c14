from django.urls import path

from register.views import agreements, datasets, organisations, pages, signals

app_name = "register"

urlpatterns = [
    path("", pages.home, name="home"),
    path("about/", pages.about, name="about"),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements.csv", agreements.agreements_csv, name="agreements-csv"),
    path("agreements.json", agreements.agreements_json, name="agreements-json"),
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
