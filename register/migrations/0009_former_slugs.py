"""Former addresses of organisations' and datasets' pages (a merge or a changed slug), so old links redirect.

Recorded by register.actions, never typed in: curators may view them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def let_curators_view_former_slugs(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the Curators group needs these now.
    register = apps.get_app_config("register")
    register.models_module = True
    create_permissions(register, verbosity=0, apps=apps)
    register.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(
        content_type__app_label="register", codename__in=["view_organisationformerslug", "view_datasetformerslug"]
    )
    for group in Group.objects.filter(name="Curators"):
        group.permissions.add(*view)


def remove_former_slug_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="register", codename__endswith="formerslug").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0008_import_run_process'),
    ]

    operations = [
        migrations.CreateModel(
            name='DatasetFormerSlug',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=200, unique=True)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('dataset', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='former_slugs', to='register.dataset')),
            ],
            options={
                'verbose_name': "former address of a dataset's page",
                'verbose_name_plural': "former addresses of datasets' pages",
                'ordering': ['slug'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='OrganisationFormerSlug',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(max_length=200, unique=True)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='former_slugs', to='register.organisation')),
            ],
            options={
                'verbose_name': "former address of an organisation's page",
                'verbose_name_plural': "former addresses of organisations' pages",
                'ordering': ['slug'],
                'abstract': False,
            },
        ),
        migrations.RunPython(let_curators_view_former_slugs, remove_former_slug_permissions),
    ]
