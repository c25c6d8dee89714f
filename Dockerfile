# The LKT tracker image: one image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv/lkt lkt
# Headless Chromium prints the seminar reports to PDF (reports/pdf.py, REPORT_CHROMIUM_PATH).
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock
COPY . .
# Build-time values only: collectstatic and compilemessages need settings that load.
RUN SECRET_KEY=build-only DEBUG=0 ALLOWED_HOSTS=build STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv
USER lkt
EXPOSE 8000
CMD ["gunicorn", "lkt.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
