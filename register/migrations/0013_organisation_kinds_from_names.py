"""Organisations already loaded take the kinds their names now give (register.importers.organisations.guess_kind):
NICE, HMRC, the National Audit Office and the Health and Safety Executive are government bodies, "... & Company" a
company. An import only guesses a kind when it creates an organisation, so a site loaded before these rules would
keep NICE as a research institute for good.

Only where a name now says government or company, and only for an organisation whose kind no curator set (a kind a
curator chose is in its curated_fields and stays). Other kinds stay as they are: they may have come from the
register's applicant type, which the name alone cannot tell. Going backwards changes nothing back (the old kinds were
wrong)."""

from django.db import migrations

FROM_NAMES = {"government", "company"}


def kinds_from_names(apps, schema_editor):
    from register.importers.organisations import guess_kind

    Organisation = apps.get_model("register", "Organisation")
    for organisation in Organisation.objects.only("name", "kind", "curated_fields"):
        kind = guess_kind(organisation.name)
        if kind in FROM_NAMES and kind != organisation.kind and "kind" not in (organisation.curated_fields or []):
            Organisation.objects.filter(pk=organisation.pk).update(kind=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0012_search_stretches"),
    ]

    operations = [
        migrations.RunPython(kinds_from_names, migrations.RunPython.noop),
    ]
