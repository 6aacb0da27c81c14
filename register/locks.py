"""One writer of register content at a time: an import, or a curator's change, waits for the one before to finish.

Each write of register content is one transaction that also writes what is derived from it (facet values, the search
index, signals) and the data version (register.events). Two at once would rebuild the same derived rows together (a
duplicate key), or an import would meet another's half-written edition (a raw IntegrityError or KeyError). So each
writer first takes a lock that lasts until its transaction ends: on PostgreSQL a transaction-level advisory lock;
SQLite lets one transaction write at a time anyway.

An import waits as long as it takes. A curator's change waits at most CURATOR_WAIT_SECONDS (well below gunicorn's
30 s timeout), then stops with RegisterBusy, changing nothing: RegisterBusyMiddleware answers with a 503 page saying
so. On SQLite the database's own lock does the waiting (its timeout): "database is locked" gets the same page.
"""

from contextlib import contextmanager

from django.db import OperationalError, connection, transaction, utils
from django.shortcuts import render

LOCK_KEY = 0x5245_4749_5354  # "REGIST": one number every writer of this site's database agrees on
CURATOR_WAIT_SECONDS = 10  # the change's own work (a merge re-indexes hundreds of agreements) needs the rest of 30 s


class RegisterBusy(Exception):
    """Another write of register content (an import, most likely) held the lock for too long: nothing was changed."""


def hold_register_writes(wait_seconds=None):
    """Inside a transaction: wait for any other writer of register content to finish, then keep others waiting until
    this transaction ends. `wait_seconds` bounds the wait (RegisterBusy past it); None waits for as long as it takes.
    Taking it again in the same transaction is harmless."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if wait_seconds is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        if cursor.fetchone()[0]:
            return
        cursor.execute("SELECT current_setting('lock_timeout')")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(wait_seconds * 1000)}ms"])
        try:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        except OperationalError as error:  # lock_timeout: the transaction is aborted, and rolls back
            raise RegisterBusy(
                "Another change to the register (most likely an import of a register file) was still being "
                f"written after {wait_seconds:g} seconds, so this change was not saved."
            ) from error
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])


@contextmanager
def writing(wait_seconds=None):
    """One transaction that writes register content, in its turn (`hold_register_writes`)."""
    with transaction.atomic():
        hold_register_writes(wait_seconds)
        yield


class RegisterBusyMiddleware:
    """Turns RegisterBusy into a 503 page that says nothing was saved and what to do, instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, utils.OperationalError) and "database is locked" in str(exception):
            exception = RegisterBusy(
                "Another change to the register (most likely an import of a register file) was still being written, "
                "so this change was not saved."
            )
        if isinstance(exception, RegisterBusy):
            response = render(request, "503.html", {"problem": str(exception)}, status=503)
            response["Retry-After"] = "60"
            return response
        return None
