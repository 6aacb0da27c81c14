# syntax=docker/dockerfile:1
# The site in a container: gunicorn (settings in gunicorn.conf.py) serving Django; static files collected at
# build time, served by whitenoise with hashed names. Deploy it with compose.yaml (web + PostgreSQL): README,
# "Deploying". No Docker engine runs in CI: tests/test_deploy.py runs this file's CMD against production
# settings and checks what the build relies on.
#   docker build -t register .
#   docker run --rm -e DJANGO_SECRET_KEY=... -e DJANGO_ALLOWED_HOSTS=... -e DATABASE_URL=... register \
#     sh -c 'python manage.py migrate --no-input && python manage.py load_site_data --no-seed'
#   docker run -e ... -p 127.0.0.1:8000:8000 register    # loopback only: a TLS proxy in front (README)

# Build stage: the virtualenv and the collected static files; nothing else of it reaches the image.
FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt
COPY . /src
WORKDIR /src
# collectstatic needs settings, not a real secret or database: a throwaway key that dies with this stage.
RUN DJANGO_SECRET_KEY="$(/venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DJANGO_STATIC_ROOT=/staticfiles /venv/bin/python manage.py collectstatic --no-input

# Runtime stage.
FROM python:3.12.12-slim-bookworm@sha256:593bd06efe90efa80dc4eee3948be7c0fde4134606dd40d8dd8dbcade98e669c AS app
# pg_dump and pg_restore for `manage.py backup` and `restore` (Debian bookworm's client: PostgreSQL 15).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles REGISTER_BACKUP_DIR=/app/var/backups
RUN useradd --system --user-group --uid 10001 --home-dir /app --shell /usr/sbin/nologin register
COPY --from=build /venv /venv
WORKDIR /app
# Code and static files belong to root: the process that serves them cannot change them.
COPY . /app
COPY --from=build /staticfiles /app/staticfiles
# Every folder compose.yaml mounts a volume on exists here, owned by the site's user: a new named volume takes the
# folder's owner from the image (a folder missing from it would be root's, and uploads would fail).
RUN mkdir -p /app/var/backups /app/var/uploads && chown -R register:register /app/var
USER register
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4).status != 200)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]
