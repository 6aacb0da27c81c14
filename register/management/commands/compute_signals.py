"""Work out every signal again, for every agreement (or those named), and store them; reviews are kept.

Imports work signals out for the agreements they touch, in their own transaction; run this after a change to how
signals are worked out (a new kind, a changed definition), after restoring a database, or whenever in doubt.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from register import signals
from register.events import announce
from register.import_report import signal_lines
from register.locks import writing
from register.models import Agreement
from register.names import reference_key
from register.signals import store


class Command(BaseCommand):
    help = "Work out the signals (red flags and data-quality findings) of every agreement again, keeping reviews."

    def add_arguments(self, parser):
        parser.add_argument("references", nargs="*", help="Only these agreements (base references).")

    def handle(self, *args, references=(), verbosity=1, **options):
        started = time.perf_counter()
        ids = None
        if references:
            found = dict(
                Agreement.objects.filter(key__in=[reference_key(r) for r in references]).values_list("key", "pk")
            )
            missing = [r for r in references if reference_key(r) not in found]
            if missing:
                raise CommandError(f"No agreement has the reference {', '.join(missing)}: nothing was changed.")
            ids = set(found.values())
        with writing():  # in its turn among the register's writers (register.locks)
            outcome = store.refresh(ids, cause="a recomputation of the signals (manage.py compute_signals)")
            announce(outcome.agreements)
        if verbosity:
            for line in signal_lines(outcome.as_dict(), "Signals found"):
                self.stdout.write(line)
            known = ", ".join(kind.code for kind in signals.KINDS)
            self.stdout.write(f"Kinds: {known}. Done in {time.perf_counter() - started:.1f} s.")
