"""The agreement list: which agreements a query finds, in what order, one page of them, and the counts beside them.

Built on `register.filters.AgreementFilter`. A page costs the same number of queries whatever its size: one for
the ordered ids, one for the page's rows, one for their datasets, one for every facet count (a UNION of one SELECT
per filter in use), and when searching one for the ranking and one for the passages.

Facet counts answer "how many results would this choice give?": for a filter not in use, its values are counted
under the current query; for a filter in use, under the query without it (choosing another value replaces it).
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import QueryDict
from django.urls import reverse

from register import facets, search
from register.filters import DEFAULT_PAGE_SIZE, DEFAULT_SORT, PAGE_SIZES, SORTS, AgreementFilter
from register.models import Agreement, AgreementFacet
from register.queries import LATEST_NARRATIVE

_APPLICANT = Coalesce("latest_version__applicant__name", "latest_version__applicant_name")
_TITLE = NullIf(Lower("latest_version__title"), Value(""))  # untitled agreements (most, in some editions) come last
ORDERINGS = {
    "title": [_TITLE.asc(nulls_last=True), "reference"],
    "-title": [_TITLE.desc(nulls_last=True), "reference"],
    "organisation": [Lower(_APPLICANT).asc(nulls_last=True), "reference"],
    "-organisation": [Lower(_APPLICANT).desc(nulls_last=True), "reference"],
    "start": [F("latest_version__dsa_start").asc(nulls_last=True), "reference"],
    "-start": [F("latest_version__dsa_start").desc(nulls_last=True), "reference"],
    "end": [F("latest_version__dsa_end").asc(nulls_last=True), "reference"],
    "-end": [F("latest_version__dsa_end").desc(nulls_last=True), "reference"],
    "files": ["file_count", "reference"],
    "-files": ["-file_count", "reference"],
}
SORTABLE_COLUMNS = [("title", "Agreement"), ("organisation", "Applicant"), ("start", "DSA start")]
SORTABLE_COLUMNS += [("end", "DSA end"), ("files", "Files released")]
PAGE_SETTINGS = ("page", "per_page")


def page_number(text):
    """The page a query asks for: anything not a whole number, or below 1, is the first page (Paginator.get_page
    would give the last for 0 or -1); past the last, get_page gives the last."""
    try:
        return max(1, int(text))
    except (TypeError, ValueError):
        return 1


def new_filterset(data):
    return AgreementFilter(data, queryset=Agreement.objects.all())


def filterset_reading(data, *, ignored):
    """The AgreementFilter of a query without the parameters in `ignored`: a download has no pages, a feed no
    order either, so a value there that the list would refuse (`per_page=1000`) refuses neither."""
    kept = data.copy()
    for name in ignored:
        kept.pop(name, None)
    return new_filterset(kept)


def chosen_sort(filterset):
    """The sort asked for; best match first when searching and nothing else was asked for (a search of exclusions
    alone ranks nothing: it takes the default order)."""
    searching = bool(filterset.form.cleaned_data.get("q")) and bool(filterset.search[0])
    sort = filterset.form.cleaned_data.get("sort") or ("relevance" if searching else DEFAULT_SORT)
    return DEFAULT_SORT if sort == "relevance" and not searching else sort


def ranked(filterset):
    """[agreement id] of a search, best first, limited to what the other filters allow."""
    _, hits = filterset.search
    allowed = set(filterset.qs.values_list("pk", flat=True))
    return [pk for pk in hits if pk in allowed]


def ordered_queryset(filterset, sort):
    return filterset.qs.order_by(*ORDERINGS[sort])


def page_rows(ids):
    """The agreements with these ids, in this order, with what a list row shows (narrative texts left behind)."""
    agreements = (
        Agreement.objects.filter(pk__in=ids)
        .select_related("latest_version__applicant", "withdrawn_in")
        .defer(*LATEST_NARRATIVE)  # a list shows none of them
        .in_bulk()
    )
    return [agreements[pk] for pk in ids if pk in agreements]


# --- Query strings -----------------------------------------------------------------------------------------------


class Params:
    """The list's query string: only the filters' own parameters, so links never repeat unknown ones."""

    def __init__(self, data, names):
        self.values = {name: data.get(name) for name in names if data.get(name) not in (None, "")}

    def url(self, base, **changes):
        values = dict(self.values)
        values.pop("page", None)
        for name, value in changes.items():
            if value in (None, ""):
                values.pop(name, None)
            else:
                values[name] = value
        query = QueryDict(mutable=True)
        query.update(values)
        encoded = query.urlencode()
        return f"{base}?{encoded}" if encoded else base

    def without_page_settings(self, base):
        return self.url(base, per_page=None)


# --- What the page shows -----------------------------------------------------------------------------------------


@dataclass
class Choice:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class FacetPanel:
    code: str
    label: str
    help: str
    choices: list
    error: str = ""  # what was wrong with the value given for it, when the query was in error

    @property
    def described_by(self):
        """The ids of its hint and its error message, for aria-describedby."""
        ids = [f"hint_{self.code}"] if self.help else []
        return " ".join(ids + [f"error_{self.code}"] if self.error else ids)


@dataclass
class ActiveFilter:
    name: str
    label: str
    value: str
    remove_url: str
    count_without: int


@dataclass
class SortLink:
    label: str
    url: str
    state: str  # "ascending", "descending" or "none" (aria-sort)


@dataclass
class Row:
    """One result, with what its line shows worked out here: templates stay simple and a page of 100 stays fast."""

    agreement: Agreement
    url: str = ""
    title: str = ""
    applicant: str = ""
    applicant_url: str = ""
    dsa_start: object = None
    dsa_end: object = None
    withdrawn_in: str = ""
    datasets: str = ""  # names, joined
    passage: object = None  # a search.Passage

    @classmethod
    def of(cls, agreement, datasets, passage):
        latest = agreement.latest_version
        applicant = latest.applicant if latest else None
        return cls(
            agreement=agreement,
            url=reverse("register:agreement", args=[agreement.reference]),
            title=latest.heading if latest else agreement.reference,  # as the agreement's own page names it
            applicant=applicant.name if applicant else (latest.applicant_name if latest else "") or "Not stated",
            applicant_url=reverse("register:organisation", args=[applicant.slug]) if applicant else "",
            dsa_start=latest.dsa_start if latest else None,
            dsa_end=latest.dsa_end if latest else None,
            withdrawn_in=agreement.withdrawn_in.code if agreement.withdrawn_in else "",
            datasets="; ".join(datasets),
            passage=passage,
        )


@dataclass
class AgreementList:
    filterset: AgreementFilter
    total: int = 0
    page: object = None
    rows: list = field(default_factory=list)
    facets: list = field(default_factory=list)
    active: list = field(default_factory=list)
    sort: str = DEFAULT_SORT
    sort_links: list = field(default_factory=list)
    sort_choices: list = field(default_factory=list)
    sort_chosen: str = "relevance"  # what the sort box shows selected
    searching: bool = False
    search_notes: list = field(default_factory=list)  # what of the search text was not searched, and why
    clear_url: str = ""
    csv_url: str = ""
    json_url: str = ""
    errors: list = field(default_factory=list)  # (parameter, label, message)
    field_errors: dict = field(default_factory=dict)  # parameter -> what was wrong with it, beside its box
    retry_url: str = ""
    values: dict = field(default_factory=dict)  # what each text and date box shows
    page_sizes: list = field(default_factory=lambda: [str(size) for size in PAGE_SIZES])

    @property
    def valid(self):
        return not self.errors

    @property
    def shown(self):
        """Whether there is a list to show: always for a valid query; for one in error, the list without the part
        in error, below the form that marks it."""
        return self.page is not None

    @property
    def page_title(self):
        """The page's <title>: what it shows, so that each query and page reads apart in history, bookmarks and
        a screen reader's list of tabs (WCAG 2.4.2)."""
        if self.errors:
            return "Error: data sharing agreements"
        title = "Data sharing agreements"
        if self.active:
            title += " (" + "; ".join(f"{active.label}: {active.value}" for active in self.active) + ")"
        if self.page is not None and self.page.paginator.num_pages > 1:
            title += f", page {self.page.number} of {self.page.paginator.num_pages}"
        return title

    @property
    def facet_map(self):
        return {panel.code: panel for panel in self.facets}


def form_errors(filterset):
    """[(parameter, its label, message)] for everything wrong with a query."""
    form = filterset.form
    return [
        (name, form.fields[name].label if name in form.fields else "Query", message)
        for name, messages in form.errors.items()
        for message in messages
    ]


def without_errors(data, filterset):
    """The same query's parameters without those in error."""
    wrong = set(filterset.form.errors)
    return Params(data, [name for name in filterset.filters if name not in wrong])


def without_errors_url(data, filterset, base):
    """The same query without the parameters in error, to offer as a way on."""
    return without_errors(data, filterset).url(base)


# What a box shows of a value in error: text boxes show it as typed; a date box or a list cannot, so its message
# repeats it.
TYPED_BOXES = {"q", "organisation"}
QUOTED_AT_MOST = 60


def agreement_list(data, *, in_error=True):
    """Everything the agreement list page shows for a query string.

    A query in error gets its messages, and below them the form with each part in error marked beside its box (as
    given) and the list the rest of the query finds: a reader corrects a date where it was typed, not by starting
    again. `in_error=False` is that second run, which has nothing in error to leave out."""
    base = reverse("register:agreements")
    filterset = new_filterset(data)
    params = Params(data, [*filterset.filters, "page"])
    result = AgreementList(filterset=filterset, clear_url=base)
    if not filterset.is_valid():
        if in_error:
            result = agreement_list(without_errors(data, filterset).values, in_error=False)
        mark_errors(result, data, filterset, base, typed_boxes=TYPED_BOXES)
        for name in TYPED_BOXES & set(result.field_errors):
            result.values[name] = data.get(name, "")
        for panel in result.facets:
            panel.error = result.field_errors.get(panel.code, "")
        return result
    cleaned = filterset.form.cleaned_data
    result.values = _box_values(cleaned)
    result.sort = chosen_sort(filterset)
    result.searching = bool(cleaned.get("q"))
    result.search_notes = [*filterset.form.search_notes, *(filterset.search[0].notes if result.searching else [])]
    if result.sort == "relevance":
        ids = ranked(filterset)
    else:
        ids = list(ordered_queryset(filterset, result.sort).values_list("pk", flat=True))
    result.total = len(ids)
    page = Paginator(ids, cleaned.get("per_page") or DEFAULT_PAGE_SIZE).get_page(page_number(data.get("page")))
    result.page = page
    found = search.passages(filterset.search[0], page.object_list) if result.searching else search.Passages()
    if found.cut_short:
        result.search_notes.append(
            "The results are shown without passages quoting the words found: this search matches so many words "
            "that quoting them would keep you waiting."
        )
    result.rows = _rows(page.object_list, found)
    result.facets, result.active = _facets_and_active(filterset, params, base)
    result.sort_links = _sort_links(params, base, result.sort)
    # The sort box offers best match even without a search, and selects it unless another order was asked for:
    # a search typed into this page's own form then comes back best first, as one from the header's box does.
    result.sort_choices = list(SORTS.items())
    result.sort_chosen = filterset.form.cleaned_data.get("sort") or "relevance"
    download = params.without_page_settings("")
    result.csv_url = reverse("register:agreements-csv") + download
    result.json_url = reverse("register:agreements-json") + download
    return result


def mark_errors(result, data, filterset, base, *, typed_boxes):
    """Give a list page's `result` (shown without the part in error) the query's messages, the way on without
    that part, and each box's own message (`field_errors`)."""
    result.errors = form_errors(filterset)
    result.retry_url = without_errors_url(data, filterset, base)
    result.field_errors = field_errors(data, filterset, typed_boxes=typed_boxes)


def field_errors(data, filterset, *, typed_boxes):
    """{parameter: its messages, and the value given unless its box shows it as typed (`typed_boxes`)}."""
    found = {}
    for name, messages in filterset.form.errors.items():
        text = " ".join(messages)
        given = data.get(name, "")
        if name not in typed_boxes and given:
            shown = given if len(given) <= QUOTED_AT_MOST else given[:QUOTED_AT_MOST] + "…"
            text += f" You gave “{shown}”."
        found[name] = text
    return found


def _box_values(cleaned):
    values = {name: cleaned.get(name) or "" for name in ("q", "role", "per_page")}
    values["organisation"] = cleaned["organisation"].name if cleaned.get("organisation") else ""
    for name in ("active_on", "active_from", "active_to"):
        values[name] = cleaned[name].isoformat() if cleaned.get(name) else ""
    values["per_page"] = str(cleaned.get("per_page") or DEFAULT_PAGE_SIZE)
    return values


def _rows(ids, found):
    """The page's rows, each with its datasets and the passage `found` for it (search.passages)."""
    datasets = {}
    for agreement_id, name in (
        AgreementFacet.objects.filter(agreement__in=ids, facet="dataset")
        .order_by("label")
        .values_list("agreement_id", "label")
    ):
        datasets.setdefault(agreement_id, []).append(name)
    return [Row.of(agreement, datasets.get(agreement.pk, []), found.get(agreement.pk)) for agreement in page_rows(ids)]


def _facets_and_active(filterset, params, base):
    active = filterset.active
    codes = [facet.code for facet in facets.FACETS]
    branches = {"": (filterset.qs, sorted({code for code in codes if code not in active} | {facets.TOTAL_FACET}))}
    for name in active:
        own = [name] if name in facets.BY_CODE else []
        branches[name] = (filterset.filter_queryset_except(name), sorted({*own, facets.TOTAL_FACET}))
    counted = facets.count(branches)
    panels = []
    for facet in facets.FACETS:
        values = counted.get(facet.code if facet.code in active else "", {}).get(facet.code, [])
        selected = active.get(facet.code)
        selected_label = filterset.form.facet_labels.get((facet.code, selected), selected)
        panels.append(
            FacetPanel(facet.code, facet.label, facet.help, _choices(facet, values, selected, selected_label))
        )
    labels = {panel.code: {choice.value: choice.label for choice in panel.choices} for panel in panels}
    form = filterset.form
    chips = [
        ActiveFilter(
            name=name,
            label=form.fields[name].label,
            value=_describe(name, value, labels, filterset),
            remove_url=params.url(base, **{name: None}, **({"role": None} if name == "organisation" else {})),
            count_without=facets.total(counted.get(name, {})),
        )
        for name, value in active.items()
    ]
    return panels, chips


def _choices(facet, values, selected, selected_label):
    counts = {value: (label, count) for value, label, count in values}
    if facet.fixed:
        return [
            Choice(value, label, counts.get(value, (label, 0))[1], value == selected) for value, label in facet.fixed
        ]
    choices = [Choice(value, label, count, value == selected) for value, label, count in values]
    if selected and selected not in counts:
        choices.insert(0, Choice(selected, selected_label, 0, True))  # none would have it now: still say what it is
    return choices


def described_filters(filterset):
    """ "Label: value" of each filter in use of a valid query, as the list's chips word them (for a feed's title)."""
    labels = {facet.code: dict(facet.fixed) for facet in facets.FACETS if facet.fixed}
    for (code, value), label in filterset.form.facet_labels.items():
        labels.setdefault(code, {})[value] = label
    form = filterset.form
    return [
        f"{form.fields[name].label}: {_describe(name, value, labels, filterset)}"
        for name, value in filterset.active.items()
    ]


def _describe(name, value, labels, filterset):
    if name in labels:
        return labels[name].get(value, value)
    if name == "organisation":
        role = dict(filterset.filters["role"].extra["choices"]).get(filterset.form.cleaned_data.get("role"))
        gathered = len(filterset.gathered_ids(value)) - 1
        described = value.name
        if gathered:
            described += f" and the {gathered} bod{'y' if gathered == 1 else 'ies'} it gathers"
        return f"{described}, as {role.lower()}" if role else described
    if name == "q":
        return f"“{value}”"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _sort_links(params, base, sort):
    links = []
    for column, label in SORTABLE_COLUMNS:
        if sort == column:
            links.append(SortLink(label, params.url(base, sort=f"-{column}"), "ascending"))
        elif sort == f"-{column}":
            links.append(SortLink(label, params.url(base, sort=column), "descending"))
        else:
            first = f"-{column}" if column in ("start", "end", "files") else column
            links.append(SortLink(label, params.url(base, sort=first), "none"))
    return links
