"""A row per fixture of the site's own data loaded once (register.models.LoadedFixture).

Before, whether the reference organisations were loaded was read off the organisations: 42 ICBs with ODS codes. A
curator's merge of two ICBs (or an ICB's code cleared) made the next `load_site_data` or import load the fixture
again, over every curator's edit. A site migrated here with any ICB holding an ODS code has had the fixture loaded
(imports load it first, and give no ICB a code), so it is recorded as loaded. Curators may view the rows (the admin
shows them, read-only). Going backwards drops the table."""

import django.utils.timezone
from django.db import migrations, models


def record_loaded_reference(apps, schema_editor):
    Organisation = apps.get_model("register", "Organisation")
    LoadedFixture = apps.get_model("register", "LoadedFixture")
    if Organisation.objects.filter(kind="icb").exclude(ods_code="").exists():
        LoadedFixture.objects.get_or_create(name="nhs_organisations")


def let_curators_view_loaded_fixtures(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the Curators group needs this one now.
    register = apps.get_app_config("register")
    register.models_module = True
    create_permissions(register, verbosity=0, apps=apps)
    register.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="register", codename="view_loadedfixture")
    for group in Group.objects.filter(name="Curators"):
        group.permissions.add(*view)


def remove_loaded_fixture_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="register", codename__endswith="_loadedfixture").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0013_organisation_kinds_from_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoadedFixture",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "name",
                    models.CharField(
                        help_text="The fixture's name, as loaddata takes it.", max_length=100, unique=True
                    ),
                ),
                ("loaded_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "loaded fixture",
            },
        ),
        migrations.RunPython(record_loaded_reference, migrations.RunPython.noop),
        migrations.RunPython(let_curators_view_loaded_fixtures, remove_loaded_fixture_permissions),
    ]
