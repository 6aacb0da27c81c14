#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # The settings read the environment: say what is missing there without a traceback.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading one loads them
    except ImproperlyConfigured as error:
        sys.exit(f"error: {error}")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
