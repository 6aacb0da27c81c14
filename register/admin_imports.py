"""Admin pages for imports: upload a register file, follow its import, read its report; see edition listings.

The upload page is for curators (staff with permission to add import runs). The file is stored under
settings.REGISTER_UPLOAD_DIR and imported in a separate process (register.importing.start_run), so a 29 MB
workbook neither holds up the request nor swells a web worker; the status page refreshes itself with
`<meta http-equiv="refresh">` (no JavaScript) until the import has finished, then shows its report.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from register.admin_base import ReadOnlyAdmin
from register.editions import CODE, edition_from_name, future_month_problem
from register.import_report import KINDS, OUTCOMES
from register.importing import (
    UploadNotKept,
    already_imported,
    create_run,
    edition_saved_by,
    process_gone,
    sha256_of,
    start_run,
)
from register.models import ImportRun, VersionContent, VersionListing

REFRESH_SECONDS = 3


def megabytes(size):
    """A size in megabytes of 1,000,000 bytes, as file managers write them."""
    return f"{size / 1_000_000:,.1f} MB"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Register file",
        help_text="The monthly Data Uses Register workbook (.xlsx), an older quarterly Data Release Register, "
        "or a CSV of one of their sheets.",
    )
    edition = forms.RegexField(
        regex=CODE,
        required=False,
        label="Edition",
        help_text="The month the file covers, YYYY-MM. Leave empty when the file name says it "
        "(datausesregister_nov2025.xlsx).",
        error_messages={"invalid": "Write the edition as YYYY-MM, for example 2025-11."},
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Read and check everything and show the report, but save nothing."
    )
    withdraw_many = forms.BooleanField(
        required=False,
        label="It really withdraws most agreements",
        help_text="An edition that no longer lists more than half the agreements the one before it listed is refused "
        "unless this is ticked: a file of only some agreements looks like that. A dry run with it ticked shows what "
        "would be withdrawn.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {megabytes(upload.size)}; this page accepts files up to {megabytes(limit)}. "
                "Import larger files on the server, with the import_register command."
            )
        return upload

    def clean_edition(self):
        code = self.cleaned_data["edition"]
        problem = future_month_problem(code) if code else ""
        if problem:
            raise forms.ValidationError(problem[0].upper() + problem[1:] + ".")
        return code

    def clean(self):
        """An edition is needed before the upload is accepted: given, or in the file's name, or the file is one
        already imported (its import then says so, and changes nothing)."""
        cleaned = super().clean()
        upload = cleaned.get("file")
        needs_edition = upload and not cleaned.get("edition") and "edition" not in self.errors
        if (
            needs_edition
            and edition_from_name(upload.name) is None
            and not already_imported(sha256_of(upload.chunks()))
        ):
            self.add_error(
                "edition",
                f"The file name “{upload.name}” does not say which month the register covers: give the "
                "edition, as YYYY-MM.",
            )
        return cleaned


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "original_name", "edition_code", "dry_run", "status", "user", "finished_at"]
    list_filter = ["status", "dry_run"]
    search_fields = ["original_name", "edition_code"]
    list_select_related = ["user"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="register_importrun_upload"),
            path(
                "<int:run_id>/status/", self.admin_site.admin_view(self.status_view), name="register_importrun_status"
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:register_importrun_upload")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not object_id.isdigit():
            raise Http404("No import run has this number.")
        return redirect("admin:register_importrun_status", run_id=object_id)

    def upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = create_run(
                    request.user,
                    form.cleaned_data["file"],
                    edition_code=form.cleaned_data["edition"] or "",
                    dry_run=form.cleaned_data["dry_run"],
                    withdraw_many=form.cleaned_data["withdraw_many"],
                )
            except UploadNotKept as error:
                form.add_error(None, str(error))
            else:
                start_run(run)
                return redirect("admin:register_importrun_status", run_id=run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a register file",
            "form": form,
            "opts": self.model._meta,
            "limit": megabytes(settings.REGISTER_UPLOAD_MAX_BYTES),
        }
        return TemplateResponse(request, "admin/register/importrun/upload.html", context)

    def status_view(self, request, run_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun.objects.select_related("edition", "user"), pk=run_id)
        stopped = process_gone(run)
        counts = (run.report or {}).get("counts", {})
        rows = [
            (kind.replace("_", " "), [counts.get(kind, {}).get(outcome, 0) for outcome in OUTCOMES]) for kind in KINDS
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import of {run.original_name}",
            "run": run,
            "report": run.report or {},
            "outcomes": OUTCOMES,
            "count_rows": rows if counts else [],
            "stopped": stopped,
            "saved_as": edition_saved_by(run) if stopped else None,
            "refresh": None if run.is_finished or stopped else REFRESH_SECONDS,
            "opts": self.model._meta,
            "upload_url": reverse("admin:register_importrun_upload"),
        }
        return TemplateResponse(request, "admin/register/importrun/status.html", context)


@admin.register(VersionListing)
class VersionListingAdmin(ReadOnlyAdmin):
    list_display = ["version", "edition", "content_hash"]
    list_filter = ["edition"]
    search_fields = ["version__reference"]
    list_select_related = ["version", "edition"]


@admin.register(VersionContent)
class VersionContentAdmin(ReadOnlyAdmin):
    list_display = ["version", "content_hash", "first_edition"]
    search_fields = ["version__reference", "content_hash"]
    list_select_related = ["version", "first_edition"]
