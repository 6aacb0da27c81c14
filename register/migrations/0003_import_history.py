"""What the importer needs: which editions listed each version and what each said (VersionListing becomes the
`editions` through model, keeping the rows of the old plain many-to-many table; VersionContent), withdrawn
versions, full-listing editions, and ImportRun for the admin upload page. Curators may upload (add) and view
import runs and view listings and contents.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_listings(apps, schema_editor):
    AgreementVersion = apps.get_model("register", "AgreementVersion")
    VersionListing = apps.get_model("register", "VersionListing")
    Through = AgreementVersion.editions.through
    VersionListing.objects.bulk_create(
        [VersionListing(edition_id=row.edition_id, version_id=row.agreementversion_id) for row in Through.objects.all()],
        batch_size=1000,
    )


def copy_listings_back(apps, schema_editor):
    """Nothing to do: reversing drops VersionListing after the plain table is recreated empty."""


def grant_curators(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Curators")
    codenames = ["add_importrun", "view_importrun", "view_versionlisting", "view_versioncontent"]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="register", codename__in=codenames))


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0002_curators_group'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='agreementversion',
            name='withdrawn_in',
            field=models.ForeignKey(blank=True, help_text='The first full edition that no longer listed it (kept, never deleted).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='register.edition'),
        ),
        migrations.AddField(
            model_name='agreementversion',
            name='content_hash',
            field=models.CharField(blank=True, editable=False, help_text="Which edition's content the row holds (register.contents): the newest edition that listed it.", max_length=64),
        ),
        migrations.AddField(
            model_name='edition',
            name='lists_all_agreements',
            field=models.BooleanField(default=False, help_text='A full listing (the monthly register): agreements it no longer lists are withdrawn.'),
        ),
        migrations.CreateModel(
            name='ImportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('original_name', models.CharField(max_length=255)),
                ('file_path', models.CharField(help_text='Where the upload is kept on the server.', max_length=500)),
                ('size', models.PositiveBigIntegerField(default=0)),
                ('edition_code', models.CharField(blank=True, help_text='As the curator gave it, if they did.', max_length=40)),
                ('dry_run', models.BooleanField(default=False)),
                ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Importing'), ('done', 'Finished'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('progress', models.CharField(blank=True, max_length=200)),
                ('report', models.JSONField(blank=True, default=dict)),
                ('error', models.TextField(blank=True)),
                ('edition', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='register.edition')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='VersionListing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_hash', models.CharField(blank=True, help_text='Blank where the content was not recorded.', max_length=64)),
                ('edition', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='listings', to='register.edition')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='listings', to='register.agreementversion')),
            ],
            options={
                'ordering': ['edition', 'version'],
            },
        ),
        migrations.AddConstraint(
            model_name='versionlisting',
            constraint=models.UniqueConstraint(fields=('edition', 'version'), name='one_listing_per_edition'),
        ),
        migrations.RunPython(copy_listings, copy_listings_back),
        migrations.RemoveField(model_name='agreementversion', name='editions'),
        migrations.AddField(
            model_name='agreementversion',
            name='editions',
            field=models.ManyToManyField(blank=True, help_text='Editions that listed it.', related_name='versions', through='register.VersionListing', to='register.edition'),
        ),
        migrations.CreateModel(
            name='VersionContent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_hash', models.CharField(max_length=64)),
                ('fields', models.JSONField(default=dict)),
                ('first_edition', models.ForeignKey(blank=True, help_text='The import that stored it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='register.edition')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contents', to='register.agreementversion')),
            ],
            options={
                'verbose_name_plural': 'version contents',
                'ordering': ['version', 'id'],
                'constraints': [models.UniqueConstraint(fields=('version', 'content_hash'), name='one_content_per_hash')],
            },
        ),
        migrations.RunPython(grant_curators, migrations.RunPython.noop),
    ]
