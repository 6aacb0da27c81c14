"""What changed: every edition (/changes/), one edition's changes, an agreement's timeline and differences, the
agreement as one edition listed it (to cite it), and the Atom feeds of changes."""

from django.shortcuts import get_object_or_404, redirect, render

from register import addresses, agreement_history, change_listing, queries
from register.feeds import AgreementQueryFeed, AllChangesFeed, DatasetChangesFeed, OrganisationChangesFeed
from register.models import Edition

changes_atom = AllChangesFeed()
organisation_atom = OrganisationChangesFeed()
dataset_atom = DatasetChangesFeed()
agreements_atom = AgreementQueryFeed()


def changes_index(request):
    rows = change_listing.edition_rows()
    synthetic = any(row.changes.edition.is_synthetic for row in rows)
    return render(request, "register/changes.html", {"rows": rows, "synthetic": synthetic})


def edition_changes(request, edition):
    edition = get_object_or_404(Edition, code=edition)
    page = change_listing.edition_page(edition, request.GET)
    return render(request, "register/edition_changes.html", {"page": page}, status=200 if page.valid else 400)


def _history(agreement):
    versions = list(agreement.versions.select_related("first_edition", "last_edition", "withdrawn_in"))
    return agreement_history.history(agreement, versions)


def _problem(request, agreement, error):
    context = {"agreement": agreement, "error": error}
    return render(request, "register/history_error.html", context, status=error.status)


def agreement_changes(request, reference):
    agreement, canonical = queries.find_agreement(reference)
    if not canonical:
        return addresses.moved_permanently(request, agreement_history.changes_url(agreement))
    found = _history(agreement)
    context = {"agreement": agreement, "history": found, "latest": agreement.latest_version}
    try:
        code = request.GET.get("edition", "").strip()
        if code:
            edition = agreement_history.find_edition(code, "edition")
            entry = found.entry_for(edition)
            if entry is None:
                raise agreement_history.HistoryError(
                    404,
                    f"Edition {edition.code} neither listed nor withdrew this agreement, so it changed nothing in it.",
                )
            context.update(entry=entry, edition_differences=agreement_history.edition_differences(found, entry))
        else:
            requested = agreement_history.requested_difference(found, request.GET)
            context["difference"] = requested or agreement_history.default_difference(found)
            context["requested"] = requested is not None
    except agreement_history.HistoryError as error:
        return _problem(request, agreement, error)
    context["form"] = {name: request.GET.get(name, "") for name in ("from", "to", "from_edition", "to_edition")}
    if context.get("difference") and not context.get("requested"):
        difference = context["difference"]
        context["form"].update({"from": agreement_history.version_label(difference.before.version)})
        context["form"].update({"to": agreement_history.version_label(difference.after.version)})
    return render(request, "register/agreement_changes.html", context)


def agreement_as_of(request, reference, edition):
    agreement, canonical = queries.find_agreement(reference)
    if not canonical:
        return redirect("register:agreement-as-of", agreement.reference, edition, permanent=True)
    found = _history(agreement)
    try:
        listed = agreement_history.as_of(found, agreement_history.find_edition(edition, "edition"))
    except agreement_history.HistoryError as error:
        return _problem(request, agreement, error)
    context = {
        "agreement": agreement,
        "as_of": listed,
        "history": found,
        "page_url": request.build_absolute_uri(request.path),
    }
    return render(request, "register/agreement_as_of.html", context)
