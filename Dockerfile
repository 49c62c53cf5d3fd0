# Atelier's production image (docs/deploy.md). One image for every kind of process: the
# command chooses web, jobs or sequencer (compose.yaml). Settings come from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false \
    HOST=0.0.0.0 \
    PORT=8000 \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin atelier

COPY --chown=atelier:atelier . .

# Compiled translations and static files are part of the image (collectstatic needs a
# SECRET_KEY to import the settings; this one is only for the build).
RUN SECRET_KEY=build-only-not-secret python manage.py compile_translations \
    && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var && chown -R atelier:atelier /app/var /app/staticfiles /app/locale

USER 10001
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': os.environ.get('HEALTHCHECK_HOST', 'localhost')}), timeout=4)"]

# The web processes; compose.yaml runs the same image as `jobs` and `sequencer` too.
CMD ["python", "manage.py", "run_stack", "--only", "web"]
