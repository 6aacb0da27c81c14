"""Where an import's time goes: seconds per stage, and how much of them SQL statements took.

`manage.py import_register FILE --timings` prints it after the summary, and `make bench-import` prints it for the
full-size import. Stages follow one another (starting one ends the one before): checking and reading the file,
the steps of writing it, working out signals, refreshing what the site derives from register content (the search
index and the list's facet values, by `register_changed`'s listeners, in the same transaction), and committing.

SQL time is measured around every statement Django executes while the clock times SQL (`execute_wrapper`): it
is the database's own work of running them, inserting rows included. Fetching a query's rows after it ran is not
in it, nor is committing (a stage of its own).
"""

import time
from contextlib import contextmanager

from django.db import connection


class StageClock:
    def __init__(self):
        self.stages = {}  # stage -> seconds, in the order the stages first started
        self.sql_seconds = 0.0
        self.statements = 0
        self._stage = None
        self._since = 0.0

    def start(self, stage):
        """End the current stage (if any) and start `stage`."""
        now = time.perf_counter()
        self._end(now)
        self._stage, self._since = stage, now

    def stop(self):
        self._end(time.perf_counter())
        self._stage = None

    def _end(self, now):
        if self._stage is not None:
            self.stages[self._stage] = self.stages.get(self._stage, 0.0) + now - self._since

    def _time_statement(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql_seconds += time.perf_counter() - started
            self.statements += 1

    @contextmanager
    def timing_sql(self):
        with connection.execute_wrapper(self._time_statement):
            yield

    @property
    def total(self):
        return sum(self.stages.values())

    def lines(self):
        out = ["Where the time went:"]
        out += [f"  {stage:<56} {seconds:7.2f} s" for stage, seconds in self.stages.items()]
        out.append(f"  {'total':<56} {self.total:7.2f} s")
        sql = f"of which running SQL ({self.statements:,} execute/executemany calls)"
        out.append(f"  {sql:<56} {self.sql_seconds:7.2f} s")
        return out
