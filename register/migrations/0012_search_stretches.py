"""PostgreSQL's phrase index: each agreement's searchable words again, in overlapping stretches short enough that
every word keeps its position (a tsvector keeps at most 255 positions of a word and none past 16,383, so phrases
late in a long narrative went unfound). See register.search's docstring. SQLite's FTS5 has no such limit and needs
nothing here.

The table is filled at once where agreements are indexed already, with the current indexing code (the index is
derived data: `manage.py rebuild_search_index` refills it the same way); a site migrated without it would find no
phrase until its next rebuild.

The table may exist already: a backup from before this migration, restored over a newer database, leaves it behind
(pg_restore --clean drops only what the dump holds), with the replaced database's stretches in it; `migrate` then
runs this migration again. So it is made only where missing, and emptied before it is filled.
"""

from django.db import migrations

STRETCH_TABLE = [
    "CREATE TABLE IF NOT EXISTS register_search_stretch (agreement_id bigint NOT NULL, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS register_search_stretch_agreement ON register_search_stretch (agreement_id)",
    "CREATE INDEX IF NOT EXISTS register_search_stretch_document ON register_search_stretch USING gin (document)",
]


def create_stretch_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in STRETCH_TABLE:
        schema_editor.execute(statement)
    schema_editor.execute("TRUNCATE register_search_stretch")
    if apps.get_model("register", "Agreement").objects.exists():
        from register import search

        search.rebuild()


def drop_stretch_table(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS register_search_stretch")


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0011_import_run_withdraw_many'),
    ]

    operations = [
        migrations.RunPython(create_stretch_table, drop_stretch_table),
    ]
