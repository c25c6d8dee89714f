# The LKT tracker image: one image for web (bin/start-web), Celery worker (bin/start-worker) and
# Celery beat (bin/start-beat); docker-compose.yml runs them. Runtime dependencies only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# The media folder exists in the image, owned by the app's user: a named volume mounted there
# starts as a copy of it, so uploads are writable. (A bind mount must be chown'ed to this uid.)
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv/lkt lkt \
    && mkdir -p /srv/lkt/media \
    && chown lkt:lkt /srv/lkt/media
# Headless Chromium prints the seminar reports to PDF (reports/pdf.py, REPORT_CHROMIUM_PATH).
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip install --require-hashes --no-deps -r requirements/runtime.lock
COPY . .
# Build-time values only: collectstatic and compilemessages need settings that load. The app
# refuses to serve with this key (lkt/serving.py).
RUN SECRET_KEY=build-only DEBUG=0 ALLOWED_HOSTS=build STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput \
    && SECRET_KEY=build-only DEBUG=0 ALLOWED_HOSTS=build python manage.py compilemessages --ignore=.venv
ENV STATIC_ROOT=/app/staticfiles MEDIA_ROOT=/srv/lkt/media
USER lkt
EXPOSE 8000
CMD ["bin/start-web"]
