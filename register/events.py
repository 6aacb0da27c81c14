"""What happened to the register's content, for the parts of the site that keep derived data.

`register_changed` is sent once a change is committed: by the loader after an import (with the edition and
the ids of the agreements it touched) and by register.actions after a curator's edit. Receivers rebuild what
they derive from the content (the search index, cached pages); they never change register content.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: agreement_ids (a set of ids, or None for "anything may have changed"), edition (or None)
register_changed = Signal()


def announce(agreement_ids=None, edition=None):
    """Send `register_changed` when the surrounding transaction commits (at once outside a transaction)."""
    ids = None if agreement_ids is None else set(agreement_ids)
    transaction.on_commit(
        lambda: register_changed.send(sender="register", agreement_ids=ids, edition=edition), robust=False
    )
