"""Signals (register.signals): computed red flags and data-quality findings with curators' reviews. Curators may view
and review (change) them; nobody adds or deletes one by hand.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def let_curators_review_signals(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the Curators group needs these now.
    register = apps.get_app_config("register")
    register.models_module = True
    create_permissions(register, verbosity=0, apps=apps)
    register.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    review = Permission.objects.filter(
        content_type__app_label="register", codename__in=["view_signal", "change_signal"]
    )
    for group in Group.objects.filter(name="Curators"):
        group.permissions.add(*review)


def remove_signal_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="register", codename__endswith="_signal").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('register', '0006_file_release_covering_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Signal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(help_text='Which signal: its definition is on the signals page.', max_length=50)),
                ('key', models.CharField(blank=True, help_text='Tells apart findings of one kind on one agreement (a dataset, an edition).', max_length=200)),
                ('explanation', models.TextField(help_text='What was found, in plain English.')),
                ('evidence', models.JSONField(blank=True, default=list, help_text="The register's rows that triggered it.")),
                ('evidence_hash', models.CharField(help_text='Of the evidence: a review stands while it is unchanged.', max_length=64)),
                ('is_current', models.BooleanField(default=True, help_text='Found by the latest computation.')),
                ('found_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('computed_at', models.DateTimeField(default=django.utils.timezone.now, help_text='When its evidence last changed.')),
                ('status', models.CharField(choices=[('open', 'Not reviewed'), ('confirmed', 'Confirmed by a curator'), ('dismissed', 'Dismissed by a curator')], default='open', max_length=10)),
                ('reason', models.TextField(blank=True, verbose_name='reason for dismissing')),
                ('note', models.TextField(blank=True, help_text='Shown with the signal on public pages.', verbose_name="curator's note")),
                ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                ('reopened_because', models.TextField(blank=True, help_text='Why a reviewed signal was reopened: its evidence changed (until it is reviewed again).')),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signals', to='register.agreement')),
                ('dataset', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='signals', to='register.dataset')),
                ('found_in', models.ForeignKey(blank=True, help_text='The import that found it.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='register.edition')),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='signals', to='register.organisation')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['agreement', 'kind', 'key'],
                'indexes': [models.Index(fields=['is_current', 'status', 'kind'], name='signal_counts'), models.Index(fields=['organisation', 'kind'], name='signal_organisation'), models.Index(fields=['dataset', 'kind'], name='signal_dataset')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'agreement', 'key'), name='one_signal_per_finding')],
            },
        ),
        migrations.RunPython(let_curators_review_signals, remove_signal_permissions),
    ]
