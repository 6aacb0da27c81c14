"""The agreement list's derived filter values, and the full-text search index (FTS5 on SQLite, tsvector on PostgreSQL).

Both hold nothing of their own: `manage.py rebuild_search_index` refills them from register content, and the
`register_changed` receiver keeps them current. The search tables are not Django models: SQLite needs FTS5 virtual
tables, PostgreSQL a tsvector column with a GIN index.
"""

import django.db.models.deletion
from django.db import migrations, models


SEARCH_TABLES = {
    "sqlite": [
        # Whole words, case and accents ignored (no stemming, so that prefixes match what was written, as on
        # PostgreSQL's 'simple' configuration); prefix indexes make "manch*" cheap.
        # rowid = the agreement's id.
        """CREATE VIRTUAL TABLE register_search_agreement USING fts5(
            title, reference, organisations, objectives, processing_activities,
            expected_outputs, expected_benefits, yielded_benefits,
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        )""",
        """CREATE VIRTUAL TABLE register_search_organisation USING fts5(
            name, spellings, codes, old_names, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
        )""",
    ],
    "postgresql": [
        # The texts are kept beside the tsvector for ts_headline's passages.
        """CREATE TABLE register_search_agreement (
            agreement_id bigint PRIMARY KEY, organisations text NOT NULL, objectives text NOT NULL,
            processing_activities text NOT NULL, expected_outputs text NOT NULL, expected_benefits text NOT NULL,
            yielded_benefits text NOT NULL, document tsvector NOT NULL
        )""",
        "CREATE INDEX register_search_agreement_document ON register_search_agreement USING gin (document)",
        "CREATE TABLE register_search_organisation (organisation_id bigint PRIMARY KEY, document tsvector NOT NULL)",
        "CREATE INDEX register_search_organisation_document ON register_search_organisation USING gin (document)",
    ],
}


def create_search_tables(apps, schema_editor):
    statements = SEARCH_TABLES.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(
            f"Full-text search needs SQLite (FTS5) or PostgreSQL, not {schema_editor.connection.vendor}."
        )
    for statement in statements:
        schema_editor.execute(statement)


def drop_search_tables(apps, schema_editor):
    for table in ("register_search_agreement", "register_search_organisation"):
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


def let_curators_view_facets(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("register")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Curators").first()
    if group:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="register", codename="view_agreementfacet")
        )


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0004_data_version'),
    ]

    operations = [
        migrations.CreateModel(
            name='AgreementFacet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('facet', models.CharField(help_text='Which filter: dataset, legal_basis, edition...', max_length=30)),
                ('value', models.CharField(help_text="The value's key: spellings that differ only in case, spacing or punctuation share one.", max_length=200)),
                ('label', models.CharField(help_text='The value as the register writes it.', max_length=500)),
                ('file_count', models.PositiveIntegerField(default=0, help_text='Files released under the agreement with it.')),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='facets', to='register.agreement')),
            ],
            options={
                'verbose_name': 'list filter value (derived)',
                'verbose_name_plural': 'list filter values (derived)',
                'ordering': ['agreement', 'facet', 'value'],
                'indexes': [models.Index(fields=['facet', 'value', 'agreement', 'label'], name='agreement_facet_counts')],
                'constraints': [models.UniqueConstraint(fields=('agreement', 'facet', 'value'), name='one_facet_value_per_agreement')],
            },
        ),
        migrations.RunPython(create_search_tables, drop_search_tables),
        migrations.RunPython(let_curators_view_facets, migrations.RunPython.noop),
    ]
