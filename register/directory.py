"""The organisations and datasets lists: who and what the register names, found by name, type or letter, with what
each holds; and their downloads.

An organisation's counts gather what it gathers on its own page (an ICB's sub-ICB locations and their CCGs), so a
list and a page never disagree. A page of the list costs the same reads whatever its size.
"""

import itertools
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Case, Count, Prefetch, When
from django.db.models.functions import Lower, Substr
from django.urls import reverse

from register import queries, search
from register.downloads import Column
from register.filters import LETTERS, OrganisationListFilter
from register.listing import Choice, Params, mark_errors, page_number, without_errors
from register.models import Dataset, DatasetAlias, Organisation, OrganisationAlias

PAGE_SIZE = 50
CHUNK = 500

FILING_ORDER = [
    Case(When(name__istartswith="NHS ", then=Lower(Substr("name", 5))), default=Lower("name")),
    "pk",
]


@dataclass
class OrganisationRow:
    organisation: Organisation
    agreements: int
    files: int


@dataclass
class LetterLink:
    letter: str
    url: str
    selected: bool


@dataclass
class OrganisationDirectory:
    filterset: OrganisationListFilter
    total: int = 0
    page: object = None
    rows: list = field(default_factory=list)
    kinds: list = field(default_factory=list)  # Choice per organisation type, counted under the other filters
    letters: list = field(default_factory=list)
    all_letters_url: str = ""
    clear_url: str = ""
    csv_url: str = ""
    json_url: str = ""
    errors: list = field(default_factory=list)
    field_errors: dict = field(default_factory=dict)  # parameter -> what was wrong with it, beside its box
    retry_url: str = ""
    typed: str = ""  # what the name box shows

    @property
    def valid(self):
        return not self.errors

    @property
    def shown(self):
        """Whether there is a list to show (for a query in error, the list without the part in error)."""
        return self.page is not None

    @property
    def page_title(self):
        """The page's <title>, naming what it shows, as the agreement list's does (WCAG 2.4.2)."""
        if self.errors:
            return "Error: organisations"
        cleaned = self.filterset.form.cleaned_data
        chosen = [choice.label for choice in self.kinds if choice.selected]
        parts = [f"Name: “{self.typed}”"] if self.typed else []
        parts += [f"Type: {label}" for label in chosen]
        parts += [f"Starting with {cleaned['letter']}"] if cleaned.get("letter") else []
        parts += ["holding an agreement"] if cleaned.get("holds") else []
        title = "Organisations" + (f" ({'; '.join(parts)})" if parts else "")
        if self.page is not None and self.page.paginator.num_pages > 1:
            title += f", page {self.page.number} of {self.page.paginator.num_pages}"
        return title


def organisation_ids(filterset):
    """The ids the filters find: best match first when searching by name, otherwise as filed (NHS set aside)."""
    text = filterset.form.cleaned_data.get("q")
    if text:
        allowed = set(filterset.qs.values_list("pk", flat=True))
        return [pk for pk in search.ranked_organisations(text) if pk in allowed]
    return list(filterset.qs.order_by(*FILING_ORDER).values_list("pk", flat=True))


def organisation_directory(data, *, in_error=True):
    """The organisations list for a query string; a query in error, as the agreement list does it
    (`listing.agreement_list`): its messages, and the form marking them above the list without them."""
    base = reverse("register:organisations")
    filterset = OrganisationListFilter(data, queryset=Organisation.objects.all())
    params = Params(data, [*filterset.filters, "page"])
    result = OrganisationDirectory(filterset=filterset, clear_url=base)
    if not filterset.is_valid():
        if in_error:
            result = organisation_directory(without_errors(data, filterset).values, in_error=False)
        mark_errors(result, data, filterset, base, typed_boxes={"q"})
        if "q" in result.field_errors:
            result.typed = data.get("q", "")
        return result
    result.typed = filterset.form.cleaned_data.get("q") or ""
    ids = organisation_ids(filterset)
    result.total = len(ids)
    result.page = Paginator(ids, PAGE_SIZE).get_page(page_number(data.get("page")))
    page_ids = list(result.page.object_list)
    organisations = Organisation.objects.in_bulk(page_ids)
    counts = queries.holding_counts(page_ids)
    result.rows = [
        OrganisationRow(organisations[pk], counts[pk].agreements, counts[pk].files)
        for pk in page_ids
        if pk in organisations
    ]
    selected_kind = filterset.form.cleaned_data.get("kind")
    by_kind = dict(filterset.filter_queryset_except("kind").values_list("kind").annotate(n=Count("pk")).order_by())
    result.kinds = [
        Choice(value, label, by_kind.get(value, 0), value == selected_kind)
        for value, label in Organisation.Kind.choices
    ]
    letter = filterset.form.cleaned_data.get("letter")
    result.letters = [LetterLink(each, params.url(base, letter=each), each == letter) for each in LETTERS]
    result.all_letters_url = params.url(base, letter=None)
    download = params.url("")
    result.csv_url = reverse("register:organisations-csv") + download
    result.json_url = reverse("register:organisations-json") + download
    return result


# --- Downloads -------------------------------------------------------------------------------------------------


def _name(organisation):
    return organisation.name if organisation else None


def _spellings(entry):
    return [alias.spelling for alias in entry.aliases.all()]


@dataclass
class OrganisationExportRow:
    organisation: Organisation
    url: str
    agreements: int
    files: int


ORGANISATION_COLUMNS = [
    Column("name", "The organisation's name on this site.", lambda r: r.organisation.name),
    Column("url", "Its page on this site.", lambda r: r.url),
    Column("type", "What kind of body it is.", lambda r: r.organisation.get_kind_display()),
    Column("ods_code", "Its NHS Organisation Data Service code, where known.", lambda r: r.organisation.ods_code),
    Column("region", "NHS England region (ICBs and sub-ICB locations).", lambda r: r.organisation.region),
    Column("part_of", "The body it is part of.", lambda r: _name(r.organisation.parent)),
    Column("replaced_by", "What replaced it.", lambda r: _name(r.organisation.successor)),
    Column(
        "agreements",
        "Agreements it holds as applicant or data controller, with those of the bodies it gathers.",
        lambda r: r.agreements,
    ),
    Column("files_released", "Data files released under those agreements.", lambda r: r.files),
    Column("spellings", "Every spelling of its name in the register.", lambda r: _spellings(r.organisation)),
]  # fmt: skip


def organisations_for_export(filterset, site):
    """Export rows in the list's order, read and counted a chunk at a time."""
    chosen = Organisation.objects.select_related("parent", "successor").prefetch_related(
        Prefetch("aliases", queryset=OrganisationAlias.objects.order_by("spelling"))
    )
    if filterset.form.cleaned_data.get("q"):
        ids = organisation_ids(filterset)
        chunks = (
            [found[pk] for pk in chunk if pk in found]
            for chunk in itertools.batched(ids, CHUNK)
            for found in [chosen.in_bulk(chunk)]
        )
    else:
        ordered = chosen.filter(pk__in=filterset.qs.values("pk")).order_by(*FILING_ORDER)
        chunks = itertools.batched(ordered.iterator(chunk_size=CHUNK), CHUNK)
    for chunk in chunks:
        counts = queries.holding_counts([organisation.pk for organisation in chunk])
        for organisation in chunk:
            count = counts[organisation.pk]
            yield OrganisationExportRow(
                organisation, site + organisation.get_absolute_url(), count.agreements, count.files
            )


@dataclass
class DatasetRow:
    dataset: Dataset
    url: str
    agreements: int
    files: int


DATASET_COLUMNS = [
    Column("name", "The dataset's name on this site.", lambda r: r.dataset.name),
    Column("url", "Its page on this site.", lambda r: r.url),
    Column("agreements", "Agreements that name it or received files of it.", lambda r: r.agreements),
    Column("files_released", "Data files of it released.", lambda r: r.files),
    Column("spellings", "Every spelling of its name in the register.", lambda r: _spellings(r.dataset)),
]  # fmt: skip


def dataset_rows(site=""):
    """Every dataset with its counts, by name (the register names a few dozen: one read each for rows and counts)."""
    counts = queries.dataset_counts()
    datasets = Dataset.objects.order_by(Lower("name")).prefetch_related(
        Prefetch("aliases", queryset=DatasetAlias.objects.order_by("spelling"))
    )
    for dataset in datasets.iterator(chunk_size=CHUNK):
        tally = counts.get(dataset.slug)
        yield DatasetRow(
            dataset, site + dataset.get_absolute_url(), tally.agreements if tally else 0, tally.files if tally else 0
        )
