"""The curator admin: every register model, with lists, search, filters, inlines and autocomplete.

Every save, delete and merge goes through register.actions, which records who changed what and when
(AuditEntry, read-only here) and marks corrected fields so that imports never overwrite them.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from register import actions, signals
from register.admin_base import REGISTER_TEXT, ReadOnlyAdmin, keep_untouched_text
from register.curation_history import field_label
from register.models import (
    Agreement,
    AgreementFacet,
    AgreementVersion,
    AuditEntry,
    Dataset,
    DatasetAlias,
    DatasetFormerSlug,
    DatasetUse,
    DataVersion,
    Edition,
    FileRelease,
    LoadedFixture,
    Organisation,
    OrganisationAlias,
    OrganisationFormerSlug,
    Signal,
    VersionController,
)
from register.names import dataset_family_key, name_key
from register.queries import dataset_families
from register.signals import display as signal_display

admin.site.site_header = "Data Release Register: curators"
admin.site.site_title = "Register curators"
admin.site.index_title = "Curate the register"


class LabelledFormSet(forms.BaseInlineFormSet):
    """A tabular inline's rows: Django gives their boxes no label (the column heading is not one), so each box is
    named for screen readers (WCAG 1.3.1, 4.1.2), its delete box too."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, field in form.fields.items():
            label = "Delete this row" if name == "DELETE" else capfirst(field.label or name)
            widget = getattr(field.widget, "widget", field.widget)  # the box inside a related-object wrapper
            widget.attrs.setdefault("aria-label", label)


class TextInline(admin.TabularInline):
    """An inline whose forms AuditedAdmin.save_formset saves: long texts compared as AuditedAdmin's are, every box
    named (LabelledFormSet)."""

    formfield_overrides = REGISTER_TEXT
    formset = LabelledFormSet


class AuditedAdmin(admin.ModelAdmin):
    """Saves, inline saves and deletes through register.actions, so each is audited. A long text counts as
    changed only when its words are (`admin_base.RegisterText`): only what a curator changed is marked corrected."""

    formfield_overrides = REGISTER_TEXT
    HAND_BACK = "hand_back"  # the form's own field (not the model's): corrected fields to hand back

    def get_form(self, request, obj=None, change=False, **kwargs):
        """A corrected entry's form offers to hand each corrected field back to the register (`hand_back`)."""
        if kwargs.get("fields"):  # the fieldsets name it, but the model has no such field
            kwargs["fields"] = [name for name in kwargs["fields"] if name != self.HAND_BACK]
        form = super().get_form(request, obj, change=change, **kwargs)
        corrected = list(getattr(obj, "curated_fields", None) or ())
        if not corrected or not isinstance(obj, actions.HANDED_BACK) or not self.has_change_permission(request, obj):
            return form
        hand_back = forms.MultipleChoiceField(
            choices=[(name, field_label(type(obj), name)) for name in corrected],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Hand back to the register",
            help_text="Ticked fields are no longer kept through imports. A version's values and applicant take the "
            "register's words again now; its controllers, and a dataset's or a file's values, at the next import "
            "that lists them.",
        )
        return type(form.__name__, (form,), {self.HAND_BACK: hand_back})

    def save_model(self, request, obj, form, change):
        keep_untouched_text(form, obj)
        edited = [name for name in form.changed_data if name != self.HAND_BACK]
        actions.save_curated(obj, request.user, edited, adding=not change)
        if form.cleaned_data.get(self.HAND_BACK):
            actions.hand_back(obj, form.cleaned_data[self.HAND_BACK], request.user)

    def save_formset(self, request, form, formset, change):
        # Keyed by identity: unsaved model instances cannot be hashed.
        changed = {id(inline_form.instance): inline_form.changed_data for inline_form in formset.forms}
        for inline_form in formset.forms:
            keep_untouched_text(inline_form, inline_form.instance)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            actions.delete_curated(obj, request.user)
        for obj in instances:
            actions.save_curated(obj, request.user, changed.get(id(obj), []), adding=obj.pk is None)
        formset.save_m2m()

    def delete_model(self, request, obj):
        actions.delete_curated(obj, request.user)

    def delete_queryset(self, request, queryset):
        with actions.in_turn():  # all or none: an import taking the lock between two rows left half of them deleted
            for obj in queryset:
                actions.delete_curated(obj, request.user)

    @admin.display(description="Curator history")
    def curator_history(self, obj):
        if not obj or not obj.pk:
            return "-"
        url = reverse("admin:register_auditentry_changelist")
        count = AuditEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk)).count()
        return format_html(
            '<a href="{}?content_type__model={}&object_id={}">{} recorded change{}</a>',
            url,
            obj._meta.model_name,
            obj.pk,
            count,
            "" if count == 1 else "s",
        )


class SpellingFormSet(LabelledFormSet):
    """Spellings on an entry's form: each is checked on its own (Spelling.clean), and no two of them may be one."""

    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            spelling = form.cleaned_data.get("spelling") if form.cleaned_data else None
            if not spelling or form.cleaned_data.get("DELETE"):
                continue
            key = name_key(spelling)
            if key in seen:
                raise forms.ValidationError(
                    f"“{seen[key]}” and “{spelling}” are one spelling (case, spacing and punctuation do not count): "
                    "keep one of them."
                )
            seen[key] = spelling


class OrganisationAliasInline(TextInline):
    model = OrganisationAlias
    formset = SpellingFormSet
    fields = ["spelling", "first_edition"]
    readonly_fields = ["first_edition"]
    extra = 0


class FormerSlugInline(admin.TabularInline):
    """A page's former addresses (a merge, a changed slug), which redirect to it: recorded by register.actions."""

    fields = ["slug", "recorded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "former address (redirects here)"
    verbose_name_plural = "former addresses (they redirect here)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrganisationFormerSlugInline(FormerSlugInline):
    model = OrganisationFormerSlug


class DatasetFormerSlugInline(FormerSlugInline):
    model = DatasetFormerSlug


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "ods_code", "parent", "successor", "region", "spellings"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "aliases__spelling", "ods_code"]
    autocomplete_fields = ["parent", "successor"]
    readonly_fields = ["curated_fields", "curator_history"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationAliasInline, OrganisationFormerSlugInline]
    actions = ["merge_organisations"]
    list_select_related = ["parent", "successor"]
    ordering = ["name"]  # annotated querysets drop Meta.ordering

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(spelling_count=Count("aliases", distinct=True))

    @admin.display(description="Spellings", ordering="spelling_count")
    def spellings(self, obj):
        return obj.spelling_count

    merge_hint = (
        "Where one has an ODS code (shown after its type), keep that one: it is the NHS's own entry, with the name "
        "the NHS uses."
    )

    def merge_label(self, organisation):
        code = f", {organisation.ods_code}" if organisation.ods_code else ""
        return f"{organisation.name} ({organisation.get_kind_display()}{code})"

    @admin.action(description="Merge the selected organisations into one of them", permissions=["change"])
    def merge_organisations(self, request, queryset):
        return merge_view(self, request, queryset, "merge_organisations", actions.merge_organisations)


def merge_view(model_admin, request, queryset, action, merge):
    """A merge action's two steps: ask which selected entry to keep, then fold the others into it with `merge`."""
    opts = model_admin.model._meta
    chosen = list(queryset.order_by("name"))
    if len(chosen) < 2:
        model_admin.message_user(request, f"Select at least two {opts.verbose_name_plural} to merge.", messages.WARNING)
        return None
    target_id = request.POST.get("merge_target")
    target = next((entry for entry in chosen if str(entry.pk) == target_id), None)
    confirmed = "confirm" in request.POST
    if confirmed and target is not None:
        with actions.in_turn():  # all of the selected entries, or none
            for source in chosen:
                if source.pk != target.pk:
                    merge(source, target, request.user)
        merged = len(chosen) - 1
        kind = opts.verbose_name if merged == 1 else opts.verbose_name_plural
        model_admin.message_user(request, f"Merged {merged} {kind} into {target.name}.", messages.SUCCESS)
        return None
    # Nothing is chosen for the curator: keeping the wrong one folds, say, the NHS's own entry into a misspelling.
    error = f"Choose which {opts.verbose_name} to keep: nothing was merged." if confirmed else ""
    return render(
        request,
        "admin/register/merge_confirm.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"Merge {opts.verbose_name_plural}",
            "entries": [(entry, model_admin.merge_label(entry)) for entry in chosen],
            "error": error,
            "hint": model_admin.merge_hint,
            "action": action,
            "opts": opts,
            "changelist": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


class FormerSlugAdmin(ReadOnlyAdmin):
    search_fields = ["slug"]
    date_hierarchy = "recorded_at"


@admin.register(OrganisationFormerSlug)
class OrganisationFormerSlugAdmin(FormerSlugAdmin):
    list_display = ["slug", "organisation", "recorded_at"]
    list_select_related = ["organisation"]
    search_fields = ["slug", "organisation__name"]


@admin.register(DatasetFormerSlug)
class DatasetFormerSlugAdmin(FormerSlugAdmin):
    list_display = ["slug", "dataset", "recorded_at"]
    list_select_related = ["dataset"]
    search_fields = ["slug", "dataset__name"]


class DatasetAliasInline(TextInline):
    model = DatasetAlias
    formset = SpellingFormSet
    fields = ["spelling"]
    extra = 0


class NamedTwiceFilter(admin.SimpleListFilter):
    """Datasets whose names differ only by a bracketed abbreviation or note, a version or "data set": candidates
    for a curator's merge, never merged by themselves."""

    title = "possibly named twice"
    parameter_name = "named_twice"

    def lookups(self, request, model_admin):
        return [("yes", "Yes: the same name but for brackets, a version or “data set”")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        families = dataset_families(Dataset.objects.only("name"))
        return queryset.filter(pk__in=[dataset.pk for members in families.values() for dataset in members])


@admin.register(Dataset)
class DatasetAdmin(AuditedAdmin):
    list_display = ["name", "slug", "use_count"]
    list_filter = [NamedTwiceFilter]
    search_fields = ["name", "aliases__spelling"]
    readonly_fields = ["possibly_the_same_as", "curated_fields", "curator_history"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DatasetAliasInline, DatasetFormerSlugInline]
    actions = ["merge_datasets"]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("uses", distinct=True))

    @admin.display(description="Named on versions", ordering="use_count")
    def use_count(self, obj):
        return obj.use_count

    @admin.action(description="Merge the selected datasets into one of them", permissions=["change"])
    def merge_datasets(self, request, queryset):
        return merge_view(self, request, queryset, "merge_datasets", actions.merge_datasets)

    @admin.display(description="Possibly the same dataset as")
    def possibly_the_same_as(self, obj):
        if not obj or not obj.pk:
            return "-"
        family = dataset_families(Dataset.objects.only("name")).get(dataset_family_key(obj.name), [])
        others = [dataset for dataset in family if dataset.pk != obj.pk]
        if not others:
            return "-"
        pages = ((reverse("admin:register_dataset_change", args=[dataset.pk]), dataset.name) for dataset in others)
        links = format_html_join(", ", '<a href="{}">{}</a>', pages)
        return format_html("{} (merge them from the list of datasets if they are one)", links)

    merge_hint = "Keep the one whose name the register uses now."

    def merge_label(self, dataset):
        versions = "version" if dataset.use_count == 1 else "versions"
        return f"{dataset.name} (named on {dataset.use_count} {versions})"


class FromTheRegister:
    """Rows that only register files make, keyed on what the register calls them: a curator corrects what they
    say but does not add them, nor change their references or what they belong to. An import finds a row again by
    its reference, so a changed one would split it in two (the register's, fresh, and the curator's, withdrawn);
    a version of another agreement made the latest would show that agreement's title and applicant."""

    KEYS = ()  # the reference and links an import matches rows on

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*self.KEYS, *super().get_readonly_fields(request, obj)]


class AgreementVersionInline(FromTheRegister, TextInline):
    model = AgreementVersion
    fk_name = "agreement"
    fields = ["reference", "title", "applicant", "dsa_start", "dsa_end", "first_edition", "last_edition"]
    KEYS = ["reference"]
    readonly_fields = ["first_edition", "last_edition"]
    autocomplete_fields = ["applicant"]
    show_change_link = True
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(FromTheRegister, AuditedAdmin):
    list_display = ["reference", "title", "applicant", "file_count", "last_edition", "withdrawn_in"]
    list_filter = ["withdrawn_in", "last_edition"]
    search_fields = ["reference", "versions__title", "versions__applicant_name"]
    KEYS = ["reference", "latest_version"]
    readonly_fields = ["key", "file_count", "first_edition", "last_edition", "curated_fields", "curator_history"]
    list_select_related = ["latest_version__applicant", "last_edition", "withdrawn_in"]
    inlines = [AgreementVersionInline]

    @admin.display(description="Title", ordering="latest_version__title")
    def title(self, obj):
        return obj.latest_version.title if obj.latest_version else ""

    @admin.display(description="Applicant", ordering="latest_version__applicant__name")
    def applicant(self, obj):
        return obj.latest_version.applicant if obj.latest_version else ""


class VersionControllerInline(TextInline):
    model = VersionController
    fields = ["position", "organisation", "spelling"]
    autocomplete_fields = ["organisation"]
    extra = 0


class DatasetUseInline(TextInline):
    model = DatasetUse
    fields = [
        "position",
        "dataset",
        "dataset_name",
        "type_of_data",
        "sensitivity",
        "is_sensitive",
        "frequency",
        "legal_basis",
        "common_law_duty",
    ]
    autocomplete_fields = ["dataset"]
    extra = 0


class FileReleaseInline(FromTheRegister, TextInline):
    model = FileRelease
    fk_name = "version"
    fields = ["file_reference", "dataset", "month", "opt_outs_applied", "opt_outs_text"]
    KEYS = ["file_reference"]
    autocomplete_fields = ["dataset"]
    classes = ["collapse"]
    show_change_link = True
    extra = 0


@admin.register(AgreementVersion)
class AgreementVersionAdmin(FromTheRegister, AuditedAdmin):
    list_display = ["reference", "title", "applicant", "dsa_start", "dsa_end", "commercial", "sublicensing"]
    list_filter = ["commercial", "sublicensing", "is_joint_controller", "applicant__kind", "editions"]
    search_fields = ["reference", "title", "applicant_name", "applicant__name"]
    KEYS = ["reference", "agreement"]
    autocomplete_fields = ["applicant"]
    readonly_fields = ["first_edition", "last_edition", "editions", "curated_fields", "curator_history"]
    list_select_related = ["applicant"]
    date_hierarchy = "dsa_start"
    inlines = [VersionControllerInline, DatasetUseInline, FileReleaseInline]


class KeptOnItsVersion:
    """A controller or a dataset may be added to a version, but not moved to another: the import would report (or
    keep) the curator's correction against the version it was made on."""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return ["version", *fields] if obj else fields


@admin.register(VersionController)
class VersionControllerAdmin(KeptOnItsVersion, AuditedAdmin):
    list_display = ["organisation", "version", "spelling", "position"]
    search_fields = ["organisation__name", "spelling", "version__reference"]
    autocomplete_fields = ["version", "organisation"]
    list_select_related = ["organisation", "version"]


@admin.register(DatasetUse)
class DatasetUseAdmin(KeptOnItsVersion, AuditedAdmin):
    list_display = ["dataset_name", "version", "type_of_data", "sensitivity", "frequency"]
    list_filter = ["is_sensitive", "frequency", "type_of_data"]
    search_fields = ["dataset_name", "version__reference", "legal_basis"]
    autocomplete_fields = ["version", "dataset"]
    readonly_fields = ["curated_fields", "curator_history"]
    list_select_related = ["version"]


@admin.register(FileRelease)
class FileReleaseAdmin(FromTheRegister, AuditedAdmin):
    list_display = ["file_reference", "agreement", "dataset_name", "month", "opt_outs_applied"]
    list_filter = ["opt_outs_applied", "frequency", "first_edition"]
    search_fields = ["file_reference", "agreement__reference", "dataset_name"]
    KEYS = ["file_reference", "agreement", "version"]
    autocomplete_fields = ["dataset", "organisation"]
    readonly_fields = ["first_edition", "last_edition", "curated_fields", "curator_history"]
    list_select_related = ["agreement"]
    date_hierarchy = "month"


@admin.register(OrganisationAlias)
class OrganisationAliasAdmin(AuditedAdmin):
    list_display = ["spelling", "organisation", "first_edition"]
    search_fields = ["spelling", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation", "first_edition"]


@admin.register(DatasetAlias)
class DatasetAliasAdmin(AuditedAdmin):
    list_display = ["spelling", "dataset"]
    search_fields = ["spelling", "dataset__name"]
    autocomplete_fields = ["dataset"]
    list_select_related = ["dataset"]


@admin.register(Edition)
class EditionAdmin(AuditedAdmin):
    """Editions are made by imports only. What the file said of itself (synthetic, lists every agreement) and the
    import's record stay as imported; a curator may add a note and the address the file came from, audited."""

    list_display = ["code", "register", "source_name", "imported_at", "is_synthetic", "version_count"]
    list_filter = ["register", "is_synthetic"]
    search_fields = ["code", "source_name", "sha256"]
    readonly_fields = ["code", "register", "month", "source_name", "sha256", "imported_at", "is_synthetic"]
    readonly_fields += ["lists_all_agreements", "summary", "curator_history"]
    ordering = ["-month", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(version_total=Count("versions"))

    @admin.display(description="Versions listed", ordering="version_total")
    def version_count(self, obj):
        return obj.version_total

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The record of curators' changes: readable by curators, changeable by nobody."""

    list_display = ["at", "user", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type", "user"]
    search_fields = ["object_repr", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["user", "content_type"]
    fields = ["at", "user", "action", "content_type", "object_id", "object_repr", "changes_table"]
    readonly_fields = fields
    HISTORY_LOOKUPS = {"content_type__model", "object_id"}  # what each entry's "Curator history" link filters on

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.HISTORY_LOOKUPS or super().lookup_allowed(lookup, value, request)

    @admin.display(description="What changed")
    def changes_table(self, obj):
        rows = ((field, before, after) for field, (before, after) in (obj.changes or {}).items())
        return format_html(
            "<table><thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )


@admin.register(DataVersion)
class DataVersionAdmin(ReadOnlyAdmin):
    """When the public pages last changed (register.caching): shown, never edited."""

    list_display = ["changed_at", "token"]
    readonly_fields = ["changed_at", "token"]


@admin.register(LoadedFixture)
class LoadedFixtureAdmin(ReadOnlyAdmin):
    """The site's own data loaded once (the reference organisations): shown, never edited; its row is why
    load_site_data and imports never load it again over curators' edits."""

    list_display = ["name", "loaded_at"]
    readonly_fields = ["name", "loaded_at"]


@admin.register(AgreementFacet)
class AgreementFacetAdmin(ReadOnlyAdmin):
    """The agreement list's filter values, derived from register content: shown so curators can see how the
    register's spellings were grouped; rebuilt automatically, so nobody edits them."""

    list_display = ["agreement", "facet", "label", "value", "file_count"]
    list_filter = ["facet"]
    search_fields = ["agreement__reference", "label", "value"]
    list_select_related = ["agreement"]
    readonly_fields = ["agreement", "facet", "value", "label", "file_count"]


class SignalReviewForm(forms.ModelForm):
    """A curator's review: confirm, dismiss (a reason is required) or leave open, with an optional public note."""

    class Meta:
        model = Signal
        fields = ["status", "reason", "note"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3}), "note": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Signal.Status.DISMISSED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why the signal is dismissed: a reason is required, and it is kept.")
        return cleaned


class SignalKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.code, kind.title) for kind in signals.KINDS]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    """Signals are computed (register.signals), never added or deleted by hand; curators review them here, and
    each review is audited through register.actions.review_signal."""

    form = SignalReviewForm
    list_display = ["kind_title", "agreement", "status", "is_current", "found_at", "reviewed_by"]
    list_filter = [SignalKindFilter, "status", "is_current"]
    search_fields = ["agreement__reference", "explanation", "key"]
    list_select_related = ["agreement", "reviewed_by"]
    date_hierarchy = "found_at"
    actions = ["confirm_signals"]
    fieldsets = [
        (
            "What was found",
            {
                "fields": [
                    "kind_title", "definition", "agreement", "organisation", "dataset", "explanation", "evidence_table",
                    "evidence_hash", "is_current", "found_at", "found_in", "computed_at",
                ]
            },
        ),
        ("Review", {"fields": ["status", "reason", "note", "reviewed_by", "reviewed_at", "reopened_because"]}),
        ("History", {"fields": ["curator_history"]}),
    ]  # fmt: skip
    readonly_fields = [
        "kind_title", "definition", "agreement", "organisation", "dataset", "explanation", "evidence_table",
        "evidence_hash", "is_current", "found_at", "found_in", "computed_at", "reviewed_by", "reviewed_at",
        "reopened_because", "curator_history",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        stored = Signal.objects.get(pk=obj.pk)
        try:
            actions.review_signal(stored, request.user, obj.status, obj.reason, obj.note)
        except actions.ReviewError as error:  # the form checks first; this is the last line of defence
            self.message_user(request, str(error), messages.ERROR)

    @admin.action(description="Confirm the selected signals", permissions=["change"])
    def confirm_signals(self, request, queryset):
        confirmed = 0
        with actions.in_turn():  # all or none (see delete_queryset)
            for signal in queryset:
                if signal.status != Signal.Status.CONFIRMED:
                    actions.review_signal(signal, request.user, Signal.Status.CONFIRMED, signal.reason, signal.note)
                    confirmed += 1
        self.message_user(request, f"Confirmed {confirmed} signal(s).", messages.SUCCESS)

    @admin.display(description="Kind", ordering="kind")
    def kind_title(self, obj):
        kind = signals.BY_CODE.get(obj.kind)
        return kind.title if kind else obj.kind

    @admin.display(description="Definition")
    def definition(self, obj):
        kind = signals.BY_CODE.get(obj.kind)
        if kind is None:
            return "A kind no longer computed."
        return format_html('{} <a href="{}">Read the definition</a>', kind.summary, signal_display.definition_url(kind))

    @admin.display(description="Evidence")
    def evidence_table(self, obj):
        kind = signals.BY_CODE.get(obj.kind)
        if kind is None or not isinstance(obj.evidence, list):
            return str(obj.evidence)
        heads = format_html_join("", "<th>{}</th>", ((label,) for _, label in kind.evidence_columns))
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (
                    format_html_join(
                        "", "<td>{}</td>", ((signal_display.cell(row.get(key)),) for key, _ in kind.evidence_columns)
                    ),
                )
                for row in obj.evidence
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", heads, rows)

    @admin.display(description="Curator history")
    def curator_history(self, obj):
        return AuditedAdmin.curator_history(self, obj)


# Import pages and the read-only history of listings (kept in their own module).
from register import admin_imports  # noqa: E402, F401
