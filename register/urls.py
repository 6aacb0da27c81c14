from django.urls import path

from register import views

app_name = "register"

urlpatterns = [
    path("agreements/<path:reference>/", views.agreement_detail, name="agreement"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("datasets/<slug:slug>/", views.dataset_detail, name="dataset"),
]
