"""Keeps what the site derives from register content (the list's facet values, the search index) current.

Listens to `register_changed` (sent inside an import's or a curator's edit's transaction) and rebuilds what the change
may have touched: the agreements named (register.actions.affected_agreements for a curator's edit), or everything
when the sender does not know.
"""

from register import facets, search


def refresh(agreement_ids=None):
    """Re-derive facet values and search documents for these agreements (all when None)."""
    return {"facet values": facets.rebuild(agreement_ids), **search.rebuild(agreement_ids)}


def refresh_derived_data(sender, agreement_ids=None, edition=None, **kwargs):
    """`register_changed` receiver, connected in RegisterConfig.ready (before the page cache's)."""
    refresh(agreement_ids)
