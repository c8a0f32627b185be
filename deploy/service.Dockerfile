# The image of one service, built from the repository root with only that service's packages:
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=indicator-api \
#     --build-arg MODULE=indicator_api --build-arg PORT=8001 -t daye/indicator-api .
# One file serves the three services: they differ only in these arguments.
# tests/test_deploy.py replays the build stage's COPY and RUN steps without Docker.

FROM python:3.11-slim-bookworm AS build
ARG SERVICE
RUN pip install --no-cache-dir "uv>=0.9,<0.14"
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# The workspace's manifests first: the dependency layer stays cached until uv.lock changes.
COPY pyproject.toml uv.lock ./
COPY libs/daye-kit/pyproject.toml libs/daye-kit/pyproject.toml
COPY libs/daye-dev/pyproject.toml libs/daye-dev/pyproject.toml
COPY libs/daye-demo/pyproject.toml libs/daye-demo/pyproject.toml
COPY services/indicator-api/pyproject.toml services/indicator-api/pyproject.toml
COPY services/matching-api/pyproject.toml services/matching-api/pyproject.toml
COPY services/funding-api/pyproject.toml services/funding-api/pyproject.toml
RUN uv sync --frozen --no-dev --no-install-workspace --package ${SERVICE}
COPY libs/daye-kit libs/daye-kit
COPY services/${SERVICE} services/${SERVICE}
RUN uv sync --frozen --no-dev --package ${SERVICE}

FROM python:3.11-slim-bookworm
ARG MODULE
ARG PORT
RUN useradd --system --uid 10001 --home-dir /app app
WORKDIR /app
COPY --from=build --chown=app:app /app /app
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 SERVICE_MODULE=${MODULE} SERVICE_PORT=${PORT}
USER 10001
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['SERVICE_PORT'], timeout=2)"
# `python -m <module> migrate` upgrades the schema (the migration Job and compose's migrate step).
CMD ["sh", "-c", "exec python -m \"$SERVICE_MODULE\""]
