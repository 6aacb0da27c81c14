"""The register as tables, named in its own words.

An `Edition` is one imported register file. An `Agreement` is a data sharing agreement for its whole life,
keyed on its base reference (`DARS-NIC-00574-V2H1F`); each `AgreementVersion` is one row of the register's
Agreements sheet (`DARS-NIC-00574-V2H1F-v4.2`). A version names datasets (`DatasetUse`, one row of the
Datasets sheet) and files were released under it (`FileRelease`, one row of the DataReleases sheet).

Every value the register states is kept as written (the `*_text` fields and the narrative texts) beside its
normalised form (booleans, dates, canonical organisations and datasets): pages show what the register said,
filters and counts use the normalised values.

Curators correct entries in the admin; a field they corrected is listed in `curated_fields` and an import
never overwrites it (it reports the disagreement instead).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from register.names import agreement_heading, name_key, reference_key
from register.text import NARRATIVE_FIELDS


class NaturalKeyManager(models.Manager):
    """Rows found by their natural key, so fixtures merge with imported data instead of clashing on ids."""

    def __init__(self, *fields):
        super().__init__()
        self.key_fields = fields

    def get_by_natural_key(self, *values):
        return self.get(**dict(zip(self.key_fields, values, strict=True)))


class Curated(models.Model):
    """What curators add to a register entry: a note, and which fields they corrected by hand."""

    notes = models.TextField(blank=True, help_text="Curator's note, shown on the public page.")
    curated_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields a curator corrected: imports keep the curated value and report where the register differs.",
    )

    class Meta:
        abstract = True


class Edition(models.Model):
    class Register(models.TextChoices):
        DATA_USES = "data-uses", "NHS England Data Uses Register (monthly)"
        RELEASE = "release", "NHS Digital Data Release Register (quarterly)"
        SEED = "seed", "Reformatted register page (the project's seed)"
        SYNTHETIC = "synthetic", "Synthetic register (generated, not real data)"

    code = models.SlugField(max_length=40, unique=True, help_text="The edition's month, YYYY-MM, or a label.")
    register = models.CharField(max_length=20, choices=Register.choices)
    month = models.DateField(null=True, blank=True, help_text="First day of the month the edition covers.")
    source_name = models.CharField(max_length=255, help_text="File name as imported.")
    source_url = models.URLField(blank=True)
    sha256 = models.CharField(
        max_length=64, unique=True, help_text="Of the imported file: the same file is never loaded twice."
    )
    imported_at = models.DateTimeField(default=timezone.now)
    is_synthetic = models.BooleanField(default=False, help_text="Generated data, not NHS England's.")
    note = models.TextField(blank=True, help_text="Where the file came from and what is unusual about it.")
    summary = models.JSONField(default=dict, blank=True, help_text="The import's report: counts and skipped rows.")
    lists_all_agreements = models.BooleanField(
        default=False,
        help_text="A full listing (the monthly register): agreements it no longer lists are withdrawn.",
    )

    objects = NaturalKeyManager("code")

    # Newest first, an edition without a month (a label) last on every database (PostgreSQL puts NULL first).
    NEWEST_FIRST = (models.F("month").desc(nulls_last=True), "-imported_at")

    class Meta:
        ordering = ["month", "code"]

    def __str__(self):
        return self.code

    def natural_key(self):
        return (self.code,)


class Organisation(Curated):
    class Kind(models.TextChoices):
        ICB = "icb", "Integrated Care Board"
        SUB_ICB = "sub-icb", "Sub-ICB location"
        CCG = "ccg", "Clinical Commissioning Group"
        CSU = "csu", "Commissioning Support Unit"
        TRUST = "trust", "NHS trust"
        LOCAL_AUTHORITY = "local-authority", "Local authority"
        UNIVERSITY = "university", "University or research institute"
        GOVERNMENT = "government", "Government body"
        COMPANY = "company", "Company"
        CHARITY = "charity", "Charity"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300, help_text="The canonical name shown on the site.")
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    ods_code = models.CharField("ODS code", max_length=12, blank=True, db_index=True)
    region = models.CharField("NHS England region", max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The body it is part of: a sub-ICB location's Integrated Care Board.",
    )
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text="What replaced it: a CCG's sub-ICB location, or the CCG it merged into (whose own successor then "
        "leads on, as NHS Central Manchester CCG's does through NHS Manchester CCG).",
    )

    objects = NaturalKeyManager("slug")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organisation_not_own_parent"),
            models.CheckConstraint(condition=~Q(successor=models.F("id")), name="organisation_not_own_successor"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("register:organisation", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        """A body is not part of itself, nor its own successor, even through others: the pages that gather an ICB's
        locations and their former CCGs follow these links. (The database's constraints catch only the first
        step, and a form does not check them, since they name the row's own id.)"""
        super().clean()
        errors = {}
        for name, verb in (("parent", "part of"), ("successor", "succeeded by")):
            chain, node = [self.name], getattr(self, name)
            while node is not None and len(chain) < 50:
                chain.append(node.name)
                if self.pk is not None and node.pk == self.pk:
                    loop = f"{self.name} would be {verb} itself" if len(chain) == 2 else f", {verb} ".join(chain)
                    errors[name] = f"That would make a loop: {loop}."
                    break
                node = getattr(node, name)
        if errors:
            raise ValidationError(errors)


class Spelling(models.Model):
    """One spelling of a name as the register wrote it, found again by its `key` (register.names.name_key)."""

    spelling = models.CharField(max_length=500)
    key = models.CharField(max_length=500, unique=True, editable=False)

    objects = NaturalKeyManager("key")

    class Meta:
        abstract = True
        ordering = ["spelling"]

    def __str__(self):
        return self.spelling

    def save(self, *args, **kwargs):
        self.key = name_key(self.spelling)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.key,)

    def clean(self):
        """A curator's spelling (the admin validates with this; the key itself is not on the form): it must have a
        letter or digit, must not already be another entry's spelling (two spellings with one key are one), and an
        existing spelling keeps its key, since a later import finds the register's wording only through it."""
        super().clean()
        key = name_key(self.spelling)
        if not key:
            raise ValidationError({"spelling": "A spelling needs at least one letter or digit."})
        spellings = type(self).objects.select_related(self.owner_field)
        was = spellings.filter(pk=self.pk).values_list("key", flat=True).first() if self.pk else None
        if was is not None and key != was:
            raise ValidationError(
                {
                    "spelling": "This is how the register wrote the name, and the next import would no longer find "
                    "it: change only case, spacing or punctuation here. To record another way of writing the name, "
                    "add a new spelling."
                }
            )
        clash = spellings.filter(key=key).exclude(pk=self.pk).first()
        if clash is not None:
            owner = getattr(clash, self.owner_field)
            raise ValidationError(
                {
                    "spelling": f"“{clash.spelling}” is already a spelling of {owner} (case, spacing and punctuation "
                    f"do not count). To make them one, merge the two, or link that spelling to this {self.owner_field}."
                }
            )


class OrganisationAlias(Spelling):
    """One spelling of an organisation's name as the register wrote it; every spelling links to one organisation."""

    owner_field = "organisation"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="aliases")
    first_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta(Spelling.Meta):
        verbose_name_plural = "organisation aliases"


class Dataset(Curated):
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)

    objects = NaturalKeyManager("slug")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("register:dataset", args=[self.slug])

    def natural_key(self):
        return (self.slug,)


class DatasetAlias(Spelling):
    """One spelling of a dataset's name as the register wrote it."""

    owner_field = "dataset"

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="aliases")

    class Meta(Spelling.Meta):
        verbose_name_plural = "dataset aliases"


class FormerSlug(models.Model):
    """An address a page had before a curator merged its organisation or dataset into another, or changed its slug.

    The old address answers with a permanent redirect to the page now (register.addresses), so links people made
    and cited keep working. Recorded by register.actions; no two pages of one kind keep the same former address.
    """

    slug = models.SlugField(max_length=200, unique=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["slug"]

    def __str__(self):
        return self.slug


class OrganisationFormerSlug(FormerSlug):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="former_slugs")

    class Meta(FormerSlug.Meta):
        verbose_name = "former address of an organisation's page"
        verbose_name_plural = "former addresses of organisations' pages"


class DatasetFormerSlug(FormerSlug):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="former_slugs")

    class Meta(FormerSlug.Meta):
        verbose_name = "former address of a dataset's page"
        verbose_name_plural = "former addresses of datasets' pages"


class Agreement(Curated):
    """A data sharing agreement for its whole life, under its base reference."""

    reference = models.CharField(max_length=200, unique=True, help_text="Base reference, as the register writes it.")
    key = models.CharField(max_length=200, unique=True, editable=False, help_text="Upper-case reference for lookups.")
    latest_version = models.ForeignKey(
        "AgreementVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_count = models.PositiveIntegerField(default=0, help_text="Files released under it; kept by the loader.")
    first_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_in = models.ForeignKey(
        Edition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The first edition that no longer listed it (kept, never deleted).",
    )

    objects = NaturalKeyManager("reference")

    class Meta:
        ordering = ["reference"]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.key = reference_key(self.reference)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("register:agreement", args=[self.reference])

    def natural_key(self):
        return (self.reference,)


class AgreementVersion(Curated):
    """One row of the register's Agreements sheet: an agreement as approved at one version."""

    TEXT_FIELDS = list(NARRATIVE_FIELDS)

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    reference = models.CharField(max_length=200, unique=True, help_text="Full reference with its version.")
    version = models.CharField(max_length=40, blank=True, help_text="As written after '-v': 4.2, 0.25.")
    version_major = models.PositiveIntegerField(default=0)
    version_minor = models.PositiveIntegerField(default=0)
    title = models.TextField("application title", blank=True)
    applicant = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    applicant_name = models.TextField("applicant organisation (as written)", blank=True)
    applicant_type = models.CharField("applicant organisation type", max_length=200, blank=True)
    controllers = models.ManyToManyField(
        Organisation, through="VersionController", related_name="controlled_versions", blank=True
    )
    controllers_text = models.TextField("data controller(s) (as written)", blank=True)
    controller_arrangement = models.CharField("sole/joint data controller", max_length=100, blank=True)
    is_joint_controller = models.BooleanField(null=True, blank=True)
    dsa_start = models.DateField("DSA start date", null=True, blank=True)
    dsa_start_text = models.CharField("DSA start date (as written)", max_length=100, blank=True)
    dsa_end = models.DateField("DSA end date", null=True, blank=True)
    dsa_end_text = models.CharField("DSA end date (as written)", max_length=100, blank=True)
    sublicensing = models.BooleanField("sublicensing applies", null=True, blank=True)
    sublicensing_text = models.CharField("does sublicensing apply (as written)", max_length=100, blank=True)
    commercial = models.BooleanField("for commercial purposes", null=True, blank=True)
    commercial_text = models.CharField("for commercial purposes (as written)", max_length=100, blank=True)
    type_of_data_text = models.CharField(
        "type of data (agreement level, as written)",
        max_length=300,
        blank=True,
        help_text="Where a source states one type of data for the whole agreement.",
    )
    objectives = models.TextField("objective for processing", blank=True)
    processing_activities = models.TextField(blank=True)
    expected_outputs = models.TextField("expected output", blank=True)
    expected_benefits = models.TextField("expected measurable benefits", blank=True)
    yielded_benefits = models.TextField(blank=True)
    editions = models.ManyToManyField(
        Edition, through="VersionListing", related_name="versions", blank=True, help_text="Editions that listed it."
    )
    first_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_in = models.ForeignKey(
        Edition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The first full edition that no longer listed it (kept, never deleted).",
    )
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Which edition's content the row holds (register.contents): the newest edition that listed it.",
    )

    objects = NaturalKeyManager("reference")

    class Meta:
        ordering = ["agreement", "version_major", "version_minor", "reference"]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return self.agreement.get_absolute_url()

    @property
    def heading(self):
        """How its pages name it: its title, or whose it is when the register gives no title."""
        return agreement_heading(self.title, self.applicant_name)

    @property
    def label(self):
        """How pages name the version among its agreement's: its number ("2.1"), or its reference without one."""
        return self.version or self.reference

    @property
    def dsa_period(self):
        """The DSA's dates, "2021-04-01 to 2024-03-31" (the register's words where they are not a date); "" when
        the register gives neither."""
        start = self.dsa_start.isoformat() if self.dsa_start else " ".join(self.dsa_start_text.split())
        end = self.dsa_end.isoformat() if self.dsa_end else " ".join(self.dsa_end_text.split())
        if not (start or end):
            return ""
        return f"{start or 'start not stated'} to {end or 'end not stated'}"

    def natural_key(self):
        return (self.reference,)


class VersionListing(models.Model):
    """An edition listed a version, saying what `content_hash` identifies (a VersionContent of the version)."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="listings")
    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="listings")
    content_hash = models.CharField(max_length=64, blank=True, help_text="Blank where the content was not recorded.")

    class Meta:
        ordering = ["edition", "version"]
        constraints = [models.UniqueConstraint(fields=["edition", "version"], name="one_listing_per_edition")]

    def __str__(self):
        return f"{self.version} in {self.edition}"


class VersionContent(models.Model):
    """What an edition said about a version, as written: stored once per distinct content of each version.

    `fields` holds the Agreements row's values and the version's Datasets rows, so a page can show a version as
    any edition listed it and compare two editions.
    """

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="contents")
    content_hash = models.CharField(max_length=64)
    fields = models.JSONField(default=dict)
    first_edition = models.ForeignKey(
        Edition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The import that stored it.",
    )

    class Meta:
        ordering = ["version", "id"]
        verbose_name_plural = "version contents"
        constraints = [models.UniqueConstraint(fields=["version", "content_hash"], name="one_content_per_hash")]

    def __str__(self):
        return f"{self.version} ({self.content_hash[:10]})"


class VersionController(models.Model):
    """One data controller of a version, in the order the register lists them, with the spelling it used."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="controller_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="controller_links")
    spelling = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = NaturalKeyManager("version__reference", "position")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="one_controller_per_position"),
        ]

    def __str__(self):
        return f"{self.organisation} controls {self.version}"

    def natural_key(self):
        return (self.version.reference, self.position)


class DatasetUse(Curated):
    """One row of the Datasets sheet: a dataset named on a version, with how it is provided."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="dataset_uses")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="uses")
    dataset_name = models.CharField("dataset (as written)", max_length=500)
    position = models.PositiveSmallIntegerField(default=0)
    type_of_data = models.CharField(max_length=300, blank=True)
    sensitivity = models.CharField("sensitive or non-sensitive (as written)", max_length=100, blank=True)
    is_sensitive = models.BooleanField(null=True, blank=True)
    frequency = models.CharField("frequency (access method)", max_length=200, blank=True)
    legal_basis = models.TextField("legal basis for provision of data", blank=True)
    common_law_duty = models.TextField("common law duty of confidentiality", blank=True)

    objects = NaturalKeyManager("version__reference", "position")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="one_dataset_use_per_position"),
        ]

    def __str__(self):
        return f"{self.dataset_name} on {self.version}"

    def natural_key(self):
        return (self.version.reference, self.position)


class FileRelease(Curated):
    """One row of the DataReleases sheet: one file released under an agreement."""

    file_reference = models.CharField(max_length=100)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="file_releases")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="file_releases")
    reference_text = models.CharField("reference number (as written)", max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="file_releases"
    )
    organisation_name = models.CharField("organisation name (as written)", max_length=500, blank=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="file_releases")
    dataset_name = models.CharField("dataset (as written)", max_length=500)
    type_of_data = models.CharField(max_length=300, blank=True)
    sensitivity = models.CharField("sensitive or non-sensitive (as written)", max_length=100, blank=True)
    is_sensitive = models.BooleanField(null=True, blank=True)
    legal_basis = models.TextField("legal basis for provision of data", blank=True)
    frequency = models.CharField(max_length=200, blank=True)
    opt_outs_text = models.CharField("patient opt-outs applied (as written)", max_length=200, blank=True)
    opt_outs_applied = models.BooleanField("patient opt-outs applied", null=True, blank=True)
    month = models.DateField("month file released", null=True, blank=True, help_text="First day of the month.")
    month_text = models.CharField("month file released (as written)", max_length=50, blank=True)
    first_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = NaturalKeyManager("file_reference", "dataset_name")

    class Meta:
        ordering = ["agreement", "month", "file_reference"]
        constraints = [
            models.UniqueConstraint(fields=["file_reference", "dataset_name"], name="one_row_per_file_and_dataset"),
        ]
        indexes = [
            models.Index(fields=["dataset", "month"]),
            models.Index(fields=["agreement", "month"]),
            # Covering indexes for the pages that count an agreement's or a dataset's files by their values: read
            # from the index alone, those counts take a fifth of the time (100k rows, scattered across the table).
            models.Index(
                fields=["agreement", "dataset", "month", "version", "type_of_data", "legal_basis", "frequency"]
                + ["opt_outs_text", "sensitivity"],
                name="file_release_agreement_values",
            ),
            models.Index(
                fields=["dataset", "agreement", "legal_basis", "frequency", "opt_outs_applied", "opt_outs_text"],
                name="file_release_dataset_values",
            ),
        ]

    def __str__(self):
        return self.file_reference

    def natural_key(self):
        return (self.file_reference, self.dataset_name)


class AuditEntry(models.Model):
    """A curator's change: who, when, which entry, and each field before and after. Nobody edits these."""

    class Action(models.TextChoices):
        ADD = "add", "Added"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        MERGE = "merge", "Merged"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, help_text="{field: [before, after]}")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"


class ImportRun(models.Model):
    """A register file a curator uploaded in the admin, imported in the background: status, progress, report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    original_name = models.CharField(max_length=255)
    file_path = models.CharField(
        max_length=500,
        blank=True,
        help_text="Where the upload is kept on the server; empty once removed (a run that changed nothing).",
    )
    size = models.PositiveBigIntegerField(default=0)
    edition_code = models.CharField(max_length=40, blank=True, help_text="As the curator gave it, if they did.")
    dry_run = models.BooleanField(default=False)
    withdraw_many = models.BooleanField(
        default=False, help_text="The curator confirmed that this edition withdraws most agreements."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pid = models.PositiveIntegerField(
        null=True, blank=True, help_text="The process importing it, on the web server's machine (none when inline)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in {self.Status.DONE, self.Status.FAILED}


class DataVersion(models.Model):
    """One row whose token changes whenever the register's content does: imports and curators' edits.

    Kept in the database so that every gunicorn worker sees a change at once; register.caching keys cached
    pages and HTTP validators (ETag, Last-Modified) on it.
    """

    token = models.CharField(max_length=32, help_text="A new random value after every change.")
    changed_at = models.DateTimeField(default=timezone.now, help_text="When the register's content last changed.")

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return f"Register content as of {self.changed_at:%Y-%m-%d %H:%M:%S %Z}"


class LoadedFixture(models.Model):
    """A fixture of the site's own data that is loaded once (the reference organisations): its row says it was.

    Whether it was loaded cannot be read off the organisations themselves, as curators change them: a count of ICBs
    with ODS codes dropped below the fixture's after a curator merged two ICBs, and the fixture was loaded again over
    every curator's edit (register.management.commands.load_site_data).
    """

    name = models.CharField(max_length=100, unique=True, help_text="The fixture's name, as loaddata takes it.")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "loaded fixture"

    def __str__(self):
        return f"{self.name}, loaded {self.loaded_at:%Y-%m-%d %H:%M:%S %Z}"


class AgreementFacet(models.Model):
    """One value an agreement has for one filter of the agreement list: a dataset, a legal basis, an edition...

    Derived from register content by `register.facets` (never edited, never imported): rebuilt for the agreements
    named whenever `register_changed` is sent, and in full by `manage.py rebuild_search_index`. Filters and their
    counts read it, so the list needs no join through versions, dataset uses and 100k file rows.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="facets")
    facet = models.CharField(max_length=30, help_text="Which filter: dataset, legal_basis, edition...")
    value = models.CharField(
        max_length=200,
        help_text="The value's key: spellings that differ only in case, spacing or punctuation share one.",
    )
    label = models.CharField(max_length=500, help_text="The value as the register writes it.")
    file_count = models.PositiveIntegerField(default=0, help_text="Files released under the agreement with it.")

    class Meta:
        verbose_name = "list filter value (derived)"
        verbose_name_plural = "list filter values (derived)"
        ordering = ["agreement", "facet", "value"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "facet", "value"], name="one_facet_value_per_agreement"),
        ]
        # Covering: facet counts read (facet, value, agreement, label) from the index alone, 5-10x faster.
        indexes = [models.Index(fields=["facet", "value", "agreement", "label"], name="agreement_facet_counts")]

    def __str__(self):
        return f"{self.facet}: {self.label}"


class Signal(models.Model):
    """A red flag or a data-quality finding worked out from the register (`register.signals`), with its review.

    Computed after every import for the agreements it touched (and in full by `manage.py compute_signals`), never
    imported or typed in. One row per finding: its kind, the agreement (and organisation or dataset) it is about,
    the evidence (the register's rows that triggered it, by their identifiers) and a hash of that evidence.
    Curators review it (confirm, dismiss with a reason, add a note) through register.actions; a review stands
    while the evidence hash is unchanged, and the signal is reopened, with the reason recorded, when it changes.
    A finding no longer found is kept (`is_current` false) with its review, never deleted.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Not reviewed"
        CONFIRMED = "confirmed", "Confirmed by a curator"
        DISMISSED = "dismissed", "Dismissed by a curator"

    kind = models.CharField(max_length=50, help_text="Which signal: its definition is on the signals page.")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signals")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    dataset = models.ForeignKey(Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals")
    key = models.CharField(
        max_length=200,
        blank=True,
        help_text="Tells apart findings of one kind on one agreement (a dataset, an edition).",
    )
    explanation = models.TextField(help_text="What was found, in plain English.")
    evidence = models.JSONField(default=list, blank=True, help_text="The register's rows that triggered it.")
    evidence_hash = models.CharField(max_length=64, help_text="Of the evidence: a review stands while it is unchanged.")
    is_current = models.BooleanField(default=True, help_text="Found by the latest computation.")
    found_at = models.DateTimeField(default=timezone.now)
    found_in = models.ForeignKey(
        Edition,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The import that found it.",
    )
    computed_at = models.DateTimeField(default=timezone.now, help_text="When its evidence last changed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField("reason for dismissing", blank=True)
    note = models.TextField("curator's note", blank=True, help_text="Shown with the signal on public pages.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reopened_because = models.TextField(
        blank=True, help_text="Why a reviewed signal was reopened: its evidence changed (until it is reviewed again)."
    )

    class Meta:
        ordering = ["agreement", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "agreement", "key"], name="one_signal_per_finding")]
        indexes = [
            models.Index(fields=["is_current", "status", "kind"], name="signal_counts"),
            models.Index(fields=["organisation", "kind"], name="signal_organisation"),
            models.Index(fields=["dataset", "kind"], name="signal_dataset"),
        ]

    def __str__(self):
        return f"{self.kind} on {self.agreement}" + (f" ({self.key})" if self.key else "")
