"""The Curators group: add, change and view register content; view editions and the audit trail.

No delete (nothing is lost: withdrawn entries are kept) and nothing on users, groups or permissions.
"""

from django.db import migrations

CONTENT_MODELS = [
    "organisation",
    "organisationalias",
    "dataset",
    "datasetalias",
    "agreement",
    "agreementversion",
    "versioncontroller",
    "datasetuse",
    "filerelease",
]
VIEW_ONLY_MODELS = ["edition", "auditentry"]


def create_curators(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; curators need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "view")]
    codenames += [f"view_{model}" for model in VIEW_ONLY_MODELS]
    group, _ = Group.objects.get_or_create(name="Curators")
    group.permissions.set(Permission.objects.filter(content_type__app_label="register", codename__in=codenames))


def remove_curators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Curators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_curators, remove_curators)]
