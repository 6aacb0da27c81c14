"""The data version (one row, see register.caching), readable by curators: when public pages last changed."""

import uuid

import django.utils.timezone
from django.db import migrations, models


def create_data_version(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    apps.get_model("register", "DataVersion").objects.get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": django.utils.timezone.now()}
    )
    # Permissions are normally created after all migrations; the Curators group needs this one now.
    register = apps.get_app_config("register")
    register.models_module = True
    create_permissions(register, verbosity=0, apps=apps)
    register.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="register", codename="view_dataversion")
    for group in Group.objects.filter(name="Curators"):
        group.permissions.add(*view)


def remove_data_version_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="register", codename__endswith="_dataversion").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0003_import_history'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='DataVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(help_text='A new random value after every change.', max_length=32)),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now, help_text="When the register's content last changed.")),
            ],
            options={
                'verbose_name': 'data version',
            },
        ),
        migrations.RunPython(create_data_version, remove_data_version_permission),
    ]
