"""Helpers for import tests: small synthetic registers written to files, and a count of every table's rows."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission, User

from register import synthetic


def table_counts():
    """Rows in every table the project owns, plus users and groups: what an import must leave alone on failure."""
    models = [*apps.get_app_config("register").get_models(), User, Group, Permission]
    return {model.__name__: model.objects.count() for model in models}


def small_register(seed=1, agreements=6, files=40, edition="2025-10"):
    return synthetic.build(seed=seed, agreements=agreements, files=files, edition=edition)


def write_register(register, folder, name=None, file_format="xlsx"):
    """Write `register` under a monthly register's file name (so its edition comes from the name)."""
    year, month = register.edition.split("-")[:2]
    month_name = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"][int(month) - 1]
    path = folder / (name or f"datausesregister_{month_name}{year}.xlsx")
    paths = synthetic.write(register, path, file_format)
    return paths[0] if file_format == "xlsx" else paths
