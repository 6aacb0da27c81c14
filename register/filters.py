"""The filters of the agreement list and the organisation list, as django-filter FilterSets.

Filters read normalised values only: the facet values of `register.facets` (datasets, legal bases... with case
and spacing differences folded), the search index of `register.search`, the versions' DSA dates and the links
between organisations. A value a filter cannot use (a date that is not a date, a choice that does not exist, a
text too long) makes the form invalid with a message naming the field and what was wrong: the page shows it,
the query runs no further, and nothing ever fails with a 500.
"""

import calendar
import re

import django_filters
from django import forms
from django.db.models import Case, F, Max, Q, When
from django.db.models.functions import Substr, Upper

from register import addresses, facets, search
from register.models import (
    AgreementFacet,
    AgreementVersion,
    Dataset,
    Organisation,
    OrganisationAlias,
)
from register.names import name_key
from register.queries import gathered_organisation_ids, held_by, holds_an_agreement

DATE_FORMAT_MESSAGE = "Enter a date as YYYY-MM-DD, for example 2024-04-01."
SORTS = {
    "relevance": "Best match (without a search: DSA start, newest first)",
    "-start": "DSA start, newest first",
    "start": "DSA start, oldest first",
    "-end": "DSA end, latest first",
    "end": "DSA end, earliest first",
    "title": "Title, A to Z",
    "-title": "Title, Z to A",
    "organisation": "Applicant, A to Z",
    "-organisation": "Applicant, Z to A",
    "-files": "Most files released first",
    "files": "Fewest files released first",
}
DEFAULT_SORT = "-start"
PAGE_SIZES = [10, 25, 50, 100]
DEFAULT_PAGE_SIZE = 25
ROLES = [("applicant", "Applicant"), ("controller", "Data controller")]
HOLDING = [("yes", "Only those holding an agreement themselves")]
LINKING_WORDS = {"of", "the", "and", "for"}  # left out when words are matched to a name: "oxford university"


class OrganisationField(forms.CharField):
    """An organisation named by its slug (as links write it), by any spelling of its name or its ODS code (as people
    type it), or by words that name one organisation only ("Bolton CCG" for NHS BOLTON CCG, as the organisations
    list's search finds it). Words that fit several organisations are an error naming some of them."""

    NAMED = 5  # how many of the organisations some words fit an error names

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        spelled = OrganisationAlias.objects.filter(key=name_key(text)).values("organisation")
        slug = text.strip().lower()
        found = (
            Organisation.objects.filter(Q(slug=slug) | Q(pk__in=spelled) | Q(name__iexact=text.strip())).first()
            or Organisation.objects.filter(former_slugs__slug=slug).first()  # a page's former address
            or self.found_by_code(text.strip())
        )
        return found or self.found_by_words(text)

    @staticmethod
    def found_by_code(code):
        """The organisation holding an ODS code now: a sub-ICB location kept its CCG's code (00T is NHS Bolton
        CCG's and NHS Greater Manchester ICB - 00T's), and gathers that CCG's agreements too; else one that no body
        replaced."""
        coded = Organisation.objects.filter(ods_code__iexact=code).exclude(ods_code="")
        return coded.order_by(
            Case(When(kind=Organisation.Kind.SUB_ICB, then=0), default=1), F("successor").asc(nulls_first=True), "pk"
        ).first()

    def found_by_words(self, text):
        """The one organisation whose names the words of `text` start (an exact fit wins over longer names)."""
        fits = list(Organisation.objects.filter(pk__in=search.matching_organisations(text)).order_by("name"))
        words = _naming_words(text)
        exact = [organisation for organisation in fits if _naming_words(organisation.name) == words]
        if len(exact) == 1 or len(fits) == 1:
            return (exact or fits)[0]
        if not fits:
            raise forms.ValidationError(
                "No organisation is called “%(text)s”. Find its exact name on the organisations page.",
                code="unknown_organisation",
                params={"text": text},
            )
        names = "; ".join(organisation.name for organisation in fits[: self.NAMED])
        more = f" and {len(fits) - self.NAMED} more" if len(fits) > self.NAMED else ""
        raise forms.ValidationError(
            "“%(text)s” fits %(count)s organisations (%(names)s%(more)s). Type more of its name, or find it on the "
            "organisations page.",
            code="ambiguous_organisation",
            params={"text": text, "count": len(fits), "names": names, "more": more},
        )


def _naming_words(name):
    """The words that name an organisation, in any order: "oxford university" fits UNIVERSITY OF OXFORD exactly."""
    return set(search.organisation_words(name)) - LINKING_WORDS


class OrganisationFilter(django_filters.Filter):
    field_class = OrganisationField


ISO_SHAPE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class StrictDateField(forms.DateField):
    """A date written as YYYY-MM-DD that is no day ("2024-02-31") is told so, not asked for its format again."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            shape = ISO_SHAPE.fullmatch((value or "").strip())
            if shape:
                year, month, day = (int(part) for part in shape.groups())
                if not 1 <= month <= 12:
                    raise forms.ValidationError(f"There is no month {month}: months go from 01 to 12.") from None
                days = calendar.monthrange(year, month)[1]
                if not 1 <= day <= days:
                    name = f"{calendar.month_name[month]} {year}"  # datetime.date refuses year 0
                    raise forms.ValidationError(f"There is no such day: {name} has {days} days.") from None
            raise


class StrictDateFilter(django_filters.DateFilter):
    """ISO dates only: 01/02/2024 means different days to different readers."""

    field_class = StrictDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("error_messages", {"invalid": DATE_FORMAT_MESSAGE})
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)


def facet_filter(code):
    facet = facets.BY_CODE[code]
    if facet.fixed:
        return django_filters.ChoiceFilter(
            label=facet.label, choices=facet.fixed, method="filter_facet", empty_label="Any"
        )
    return django_filters.CharFilter(label=facet.label, method="filter_facet", max_length=200)


class AgreementFilterForm(forms.Form):
    """Checks values that only the database knows (datasets, legal bases, editions...) in one query, and keeps
    their labels for the page."""

    facet_labels = {}  # (facet, value) -> label, of the values submitted
    search_notes = ()  # sentences for the reader about the search text, beside what the query itself notes

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("q")
        query = search.parse(text) if text else None
        if query is not None and not query.usable:
            # Nothing in it can be searched (only symbols, "or", one-letter prefixes): no search, rather than one
            # that finds nothing.
            cleaned["q"] = ""
            why = query.notes or [f"Nothing in “{text}” can be searched for: a search needs letters or numbers."]
            self.search_notes = [*why, "No search was made: every agreement the other filters allow is shown."]
        submitted = {
            code: cleaned[code]
            for code, facet in facets.BY_CODE.items()
            if not facet.fixed and cleaned.get(code) and code not in self.errors
        }
        if submitted:
            condition = Q()
            for code, value in submitted.items():
                condition |= Q(facet=code, value=value)
            self.facet_labels = {
                (facet, value): label
                for facet, value, label in AgreementFacet.objects.filter(condition)
                .order_by()
                .values_list("facet", "value")
                .annotate(label=Max("label"))
            }
            for code, value in submitted.items():
                if (code, value) not in self.facet_labels and not self._moved(cleaned, code, value):
                    self.add_error(
                        code,
                        forms.ValidationError(
                            "No agreement in the loaded register has %(facet)s “%(value)s”. Choose one from the list.",
                            code="unknown_value",
                            params={"facet": facets.BY_CODE[code].label.lower(), "value": value},
                        ),
                    )
        start, end = cleaned.get("active_from"), cleaned.get("active_to")
        if start and end and start > end:
            self.add_error("active_to", "The end of the period is before its start: swap the two dates.")
        return cleaned

    def _moved(self, cleaned, code, value):
        """Whether `value` is a dataset's former address (a curator merged or renamed it), or its address in
        capitals: the list then filters by the dataset now, so saved and shared links keep their meaning."""
        if code != "dataset":
            return False
        now = addresses.slug_now(Dataset, value) or value.lower()
        label = now and AgreementFacet.objects.filter(facet=code, value=now).values_list("label", flat=True).first()
        if not label:
            return False
        cleaned[code] = now
        self.facet_labels[(code, now)] = label
        return True


class CountsWithoutOne:
    """Lets a list count each choice of a filter in use as if that filter were not: choosing another replaces it."""

    LINKED = {}  # filter name -> filters that only mean something with it

    def filter_queryset_except(self, excluded):
        skipped = {excluded, *self.LINKED.get(excluded, ())}
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name not in skipped:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


class AgreementFilter(CountsWithoutOne, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="filter_search", max_length=search.MAX_QUERY_LENGTH, strip=True
    )
    organisation = OrganisationFilter(label="Organisation", method="filter_organisation", max_length=300)
    role = django_filters.ChoiceFilter(label="In the role of", choices=ROLES, method="keep", empty_label="Any role")
    organisation_type = facet_filter("organisation_type")
    dataset = facet_filter("dataset")
    legal_basis = facet_filter("legal_basis")
    type_of_data = facet_filter("type_of_data")
    sensitivity = facet_filter("sensitivity")
    access_method = facet_filter("access_method")
    opt_outs = facet_filter("opt_outs")
    commercial = facet_filter("commercial")
    sublicensing = facet_filter("sublicensing")
    files = facet_filter("files")
    edition = facet_filter("edition")
    signal = facet_filter("signal")
    active_on = StrictDateFilter(label="DSA in force on", method="filter_active_on")
    active_from = StrictDateFilter(label="DSA in force at some time from", method="filter_active_from")
    active_to = StrictDateFilter(label="DSA in force at some time up to", method="filter_active_to")
    sort = django_filters.ChoiceFilter(label="Sort by", choices=list(SORTS.items()), method="keep", empty_label=None)
    per_page = django_filters.TypedChoiceFilter(
        label="Results per page",
        choices=[(str(size), str(size)) for size in PAGE_SIZES],
        coerce=int,
        method="keep",
    )

    # Parameters that shape the page rather than choose agreements.
    PRESENTATION = {"sort", "per_page", "role"}
    LINKED = {"organisation": ("role",)}

    class Meta:
        form = AgreementFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._search = None

    # --- what the filters do

    def keep(self, queryset, name, value):
        return queryset

    @property
    def search(self):
        """(parsed query, [agreement id] best first), searched once per request."""
        if self._search is None:
            text = self.form.cleaned_data.get("q") or ""
            query = search.parse(text)
            self._search = (query, search.ranked_agreements(query, search.reference_match(text)))
        return self._search

    def filter_search(self, queryset, name, value):
        _, hits = self.search
        return queryset.filter(pk__in=search.among(hits))

    def filter_organisation(self, queryset, name, organisation):
        return queryset.filter(held_by(self.gathered_ids(organisation), self.form.cleaned_data.get("role")))

    def gathered_ids(self, organisation):
        if getattr(self, "_gathered", (None,))[0] != organisation.pk:
            self._gathered = (organisation.pk, gathered_organisation_ids(organisation))
        return self._gathered[1]

    def filter_facet(self, queryset, name, value):
        return queryset.filter(pk__in=facets.matching(name, value))

    def filter_queryset(self, queryset):
        return self.filter_queryset_except(None)

    def filter_queryset_except(self, excluded):
        """As CountsWithoutOne's, but the facet filters in use are applied together, as one subquery."""
        skipped = {excluded, *self.LINKED.get(excluded, ())}
        queryset = self.queryset
        chosen = {}
        for name, value in self.form.cleaned_data.items():
            if name in skipped:
                continue
            if name in facets.BY_CODE and value not in django_filters.constants.EMPTY_VALUES:
                chosen[name] = value
            else:
                queryset = self.filters[name].filter(queryset, value)
        if chosen:
            queryset = queryset.filter(pk__in=facets.matching_all(chosen))
        return queryset

    def _versions_in_force(self, queryset, **dates):
        versions = AgreementVersion.objects.filter(dsa_start__isnull=False, dsa_end__isnull=False, **dates)
        return queryset.filter(pk__in=versions.values("agreement_id"))

    def filter_active_on(self, queryset, name, day):
        return self._versions_in_force(queryset, dsa_start__lte=day, dsa_end__gte=day)

    def filter_active_from(self, queryset, name, day):
        return self._versions_in_force(queryset, dsa_end__gte=day)

    def filter_active_to(self, queryset, name, day):
        return self._versions_in_force(queryset, dsa_start__lte=day)

    # --- what the list page asks of it

    @property
    def active(self):
        """{name: cleaned value} of the filters in use (not the sort order or page size)."""
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "") and name not in self.PRESENTATION
        }


LETTERS = [chr(code) for code in range(ord("A"), ord("Z") + 1)] + ["0-9"]


class LetterField(django_filters.fields.ChoiceField):
    """A filing letter in either case (`?letter=b` is B), as a hand-typed address may give it."""

    def to_python(self, value):
        return super().to_python(value).upper()


class LetterFilter(django_filters.ChoiceFilter):
    field_class = LetterField


class OrganisationListFilter(CountsWithoutOne, django_filters.FilterSet):
    """The organisations list: a name search tolerant of how names are written, a type, a letter."""

    q = django_filters.CharFilter(label="Name or code", method="filter_search", max_length=search.MAX_QUERY_LENGTH)
    kind = django_filters.ChoiceFilter(
        label="Type", choices=Organisation.Kind.choices, field_name="kind", empty_label="Any type"
    )
    letter = LetterFilter(
        label="Starting with", choices=[(letter, letter) for letter in LETTERS], method="filter_letter"
    )
    holds = django_filters.ChoiceFilter(
        label="Holding an agreement", choices=HOLDING, method="filter_holds", empty_label="Any"
    )

    class Meta:
        model = Organisation
        fields = []

    def filter_holds(self, queryset, name, value):
        """Those the register names on an agreement themselves, as the home page counts them (not through the
        bodies they gather)."""
        return queryset.filter(holds_an_agreement())

    def filter_search(self, queryset, name, value):
        return queryset.filter(pk__in=search.matching_organisations(value))

    def filter_letter(self, queryset, name, letter):
        queryset = queryset.annotate(initial=filing_initial())
        if letter == "0-9":
            return queryset.filter(initial__in=list("0123456789"))
        return queryset.filter(initial=letter)


def filing_initial():
    """The letter an organisation is filed under: "NHS Bolton CCG" under B, as people look for it."""
    return Case(
        When(name__istartswith="NHS ", then=Upper(Substr("name", 5, 1))),
        When(name__istartswith="The ", then=Upper(Substr("name", 5, 1))),
        default=Upper(Substr("name", 1, 1)),
    )
