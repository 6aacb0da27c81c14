"""Load the site's reference data (ICBs, sub-ICB locations, CCGs) and the seed agreements, each only once.

Run by `make run` and by every deployment: a fixture already loaded is left alone, so curators' edits are never
overwritten by reloading it (a LoadedFixture row records the reference organisations' loading; imports call
`load_reference` too). Fixtures load without announcing a change, so it then rebuilds the search index.

The seed is a demonstration for an empty site: its two agreements are real ones (by reference), so loading it over
imported editions would overwrite what they say. Once any register file is imported it is never loaded.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from register.events import announce
from register.locks import writing
from register.models import Agreement, Edition, LoadedFixture

REFERENCE_FIXTURE = "nhs_organisations"


def reference_loaded():
    """Whether the reference organisations were loaded, as their LoadedFixture row says: once loaded, they are the
    curators' (merged, renamed, noted), and loading the fixture again would overwrite every edit and undo merges."""
    return LoadedFixture.objects.filter(name=REFERENCE_FIXTURE).exists()


def load_reference(verbosity=1):
    if reference_loaded():
        return False
    with transaction.atomic():
        call_command("loaddata", REFERENCE_FIXTURE, verbosity=verbosity)
        LoadedFixture.objects.create(name=REFERENCE_FIXTURE)
    return True


class Command(BaseCommand):
    help = "Load the reference organisations and the seed agreements unless they are loaded already."

    def add_arguments(self, parser):
        parser.add_argument("--no-seed", action="store_true", help="Load only the reference organisations.")

    def handle(self, *args, no_seed=False, verbosity=1, **options):
        # One transaction, in its turn among the register's writers: loaded, indexed and announced together.
        with writing():
            loaded = load_reference(verbosity)
            if not loaded:
                self.stdout.write("Reference organisations: already loaded.")
            if not no_seed:
                if Edition.objects.filter(code="seed").exists():
                    self.stdout.write("Seed agreements: already loaded.")
                elif Agreement.objects.exists():
                    self.stdout.write(
                        "Seed agreements: not loaded, as register files are imported already (the seed's two "
                        "agreements are real ones: loading it would overwrite what the register says of them)."
                    )
                else:
                    call_command("loaddata", "seed_agreements", verbosity=verbosity)
                    loaded = True
            if loaded:
                announce()  # rebuilds the search index and facets; renews cached pages
