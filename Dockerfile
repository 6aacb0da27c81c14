# syntax=docker/dockerfile:1
# Build: docker build -t register .   Run: docker run -e DJANGO_SECRET_KEY=... -e DATABASE_URL=... -p 8000:8000 register
FROM python:3.12.8-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.12.8-slim-bookworm AS app
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin register
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=register:register . /app
# collectstatic needs settings, not a real secret or database.
RUN DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(64))') \
    python manage.py collectstatic --no-input
USER register
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
