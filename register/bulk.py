"""Write many rows at once, below the ORM: the import's new rows, the signals found and the list's facet rows.

`insert_rows` prepares each value by its field's type once and hands the rows to the driver: on SQLite one prepared
INSERT run for every row (`executemany`), on PostgreSQL a `COPY … FROM STDIN`. At 100k rows, bulk_create's
per-object work (compiling every value of every object) took most of an import's time; on PostgreSQL, COPY wrote
the 105,000 file releases of the full-size register in 1.7 s where executemany took 8.0 s.
Statements run through the connection's execute wrappers, as Django's own do (the import's clock times SQL).
"""

import functools

from django.db import connection, models

BATCH = 5000  # rows per statement (per COPY on PostgreSQL)
ID_CHUNK = 900  # ids per `__in` lookup: under SQLite's smallest limit on query parameters


def chunks(items, size=ID_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(model, names, rows):
    """INSERT rows (sequences of values in `names` order, ForeignKeys as ids) into `model`'s table. A JSONField's
    value given as a str is taken as JSON text already serialised (the signals' evidence is serialised once)."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    prepare = _preparer(fields)
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
    copy = connection.vendor == "postgresql"
    if copy:
        sql = f"COPY {table} ({columns}) FROM STDIN"
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for batch in chunks(rows, BATCH):
            batch = prepare(batch)
            if copy:
                _execute(cursor, sql, batch, _copy)
            else:
                cursor.executemany(sql, batch)


def _preparer(fields):
    """A function preparing a batch's values for the database, each by its field's type (the first
    `len(fields)` values of each row; any after them, such as update_rows' primary key, are left as they are)."""
    converters = []
    for field in fields:
        if isinstance(field, models.JSONField):
            empty = field.get_db_prep_save([], connection)  # curated_fields of every new row
            converters.append(
                lambda value, field=field, empty=empty: (
                    empty
                    if value == []
                    else value
                    if isinstance(value, str)
                    else field.get_db_prep_save(value, connection)
                )
            )
        elif isinstance(field, models.DateTimeField):
            converters.append(lambda value, field=field: field.get_db_prep_save(value, connection))
        elif isinstance(field, models.DateField):
            converters.append(connection.ops.adapt_datefield_value)
        else:
            converters.append(None)
    convert = [(index, converter) for index, converter in enumerate(converters) if converter]

    def prepare(batch):
        if not convert:
            return batch
        batch = [list(row) for row in batch]
        for row in batch:
            for index, converter in convert:
                row[index] = converter(row[index])
        return batch

    return prepare


def _copy(sql, rows, many, context):
    with context["cursor"].cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _execute(cursor, sql, rows, executor):
    """Run `executor` as Django runs a statement, through the connection's execute wrappers (the import's clock
    times SQL with one), which a COPY would otherwise bypass."""
    for wrapper in reversed(connection.execute_wrappers):
        executor = functools.partial(wrapper, executor)
    return executor(sql, rows, True, {"connection": connection, "cursor": cursor})


def update_rows(model, names, rows):
    """UPDATE rows by primary key with one prepared statement; each row is (*values, pk), the values given as to
    insert_rows."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    prepare = _preparer(fields)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),
        quote(model._meta.pk.column),
    )
    with connection.cursor() as cursor:
        for batch in chunks(rows, BATCH):
            cursor.executemany(sql, prepare(batch))
