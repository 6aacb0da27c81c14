"""Load the site's reference data (ICBs, sub-ICB locations, CCGs) and the seed agreements, each only once.

Run by `make run` every time: a fixture already loaded is left alone, so curators' edits are never
overwritten by reloading it. Fixtures load without announcing a change, so it then rebuilds the search index.

The seed is a demonstration for an empty site: its two agreements are real ones (by reference), so loading it over
imported editions would overwrite what they say. Once any register file is imported it is never loaded.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from register.events import announce
from register.models import Agreement, Edition, Organisation

REFERENCE_ICB_COUNT = 42


def reference_loaded():
    return Organisation.objects.filter(kind=Organisation.Kind.ICB).exclude(ods_code="").count() >= REFERENCE_ICB_COUNT


def load_reference(verbosity=1):
    if reference_loaded():
        return False
    call_command("loaddata", "nhs_organisations", verbosity=verbosity)
    return True


class Command(BaseCommand):
    help = "Load the reference organisations and the seed agreements unless they are loaded already."

    def add_arguments(self, parser):
        parser.add_argument("--no-seed", action="store_true", help="Load only the reference organisations.")

    def handle(self, *args, no_seed=False, verbosity=1, **options):
        loaded = load_reference(verbosity)
        if not loaded:
            self.stdout.write("Reference organisations: already loaded.")
        if not no_seed:
            if Edition.objects.filter(code="seed").exists():
                self.stdout.write("Seed agreements: already loaded.")
            elif Agreement.objects.exists():
                self.stdout.write(
                    "Seed agreements: not loaded, as register files are imported already (the seed's two agreements "
                    "are real ones: loading it would overwrite what the register says of them)."
                )
            else:
                call_command("loaddata", "seed_agreements", verbosity=verbosity)
                loaded = True
        if loaded:
            announce()  # rebuilds the search index and facets; renews cached pages
