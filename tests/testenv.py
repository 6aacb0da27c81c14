"""Loaded by pytest before Django (see pyproject's addopts): the environment the test suite runs under.

Tests run in production mode (DEBUG off) so that they see what visitors see, with a test-only secret, plain
static file names (no collectstatic needed) and no HTTPS redirect (the test client speaks plain HTTP).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_HASHED_STATIC", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# Imports uploaded in the admin run inside the request, so a test sees their result.
os.environ.setdefault("REGISTER_IMPORT_INLINE", "1")
