"""Signals: explained red flags and data-quality findings, computed from the register and reviewed by curators.

(Not Django signals: `register.events` is where the site announces changes.)

- `base`: a kind's definition (`Kind`), what it finds (`Finding`), shared helpers; `signal_kind` registers a kind.
- `records`: the plain records kinds read (no Django); `reader` builds them from the database.
- `red_flags`, `data_quality`: the kinds, one small pure function each, kept in two categories.
- `store`: runs the kinds and keeps `Signal` rows in step (reviews survive while the evidence is unchanged).
- `display`: what the pages show of them.

Adding a kind: one function decorated with `signal_kind(...)` in `red_flags` or `data_quality`, and one test.
"""

from register.signals import data_quality, red_flags  # noqa: F401 - importing registers the kinds
from register.signals.base import CATEGORIES, DATA_QUALITY, KINDS, RED_FLAG, Kind

# Red flags first, then the register's own inconsistencies, each in the order they were written.
KINDS.sort(key=lambda kind: kind.category != RED_FLAG)
BY_CODE = {kind.code: kind for kind in KINDS}

__all__ = ["BY_CODE", "CATEGORIES", "DATA_QUALITY", "KINDS", "RED_FLAG", "Kind"]
