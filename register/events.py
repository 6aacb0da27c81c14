"""What happened to the register's content, for the parts of the site that keep derived data.

`register_changed` is sent by the loader at the end of an import (with the edition and the ids of the agreements it
touched) and by register.actions after a curator's edit. Its receivers rebuild what they derive from the content
(the list's facet values, the search index) and renew the data version that cached pages and HTTP validators follow;
they never change register content.

It is sent inside the change's own transaction, so that the content, what is derived from it and the data version
commit together or not at all. Sent once the change had committed, as it was, the site served new content with old
facet values, search results and validators until the rebuild ended (up to 90 s after a full-size import on a busy
machine, and a client holding the old copy got a 304 for it), and for good when the process died in between.
Writers take register.locks.hold_register_writes first, so two rebuilds never run at once.
"""

from django.dispatch import Signal

from register.locks import hold_register_writes

# kwargs: agreement_ids (a set of ids, or None for "anything may have changed"), edition (or None)
register_changed = Signal()


def announce(agreement_ids=None, edition=None):
    """Send `register_changed` now, in the caller's transaction (its receivers' work commits or rolls back with it)."""
    ids = None if agreement_ids is None else set(agreement_ids)
    hold_register_writes()  # the caller's, most likely, already; a writer that forgot it waits here
    register_changed.send(sender="register", agreement_ids=ids, edition=edition)
