# syntax=docker/dockerfile:1
#
# Trading AI runtime image: `docker build -t tradeai .` then `docker run --init --env-file .env tradeai`
# (or `docker compose up -d`). The image holds no secrets and no configuration: every setting comes
# from the environment (.env.example names them) or from a TOML file passed with --config.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: a virtual environment with the package and its dependencies -------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

# torch first, from PyTorch's CPU wheel index: `pip install .` then finds the pin satisfied and does
# not pull the multi-gigabyte CUDA build from PyPI.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --index-url https://download.pytorch.org/whl/cpu "torch>=2.13,<2.14" \
    && python -c "import sys, torch; sys.exit(f'expected a CPU build of torch, got CUDA {torch.version.cuda}' if torch.version.cuda else 0)"

WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . \
    && python -c "import sys, torch; sys.exit('pip install . replaced the CPU torch' if torch.version.cuda else 0)"

# ---- runtime: the environment, a non-root user, nothing else -----------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="tradeai" \
      org.opencontainers.image.description="Trading AI runtime: calibrated crypto signals guarded by FTMO-style rules"

# (pip compiled the bytecode at install; the non-root user cannot write beside site-packages)
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN groupadd --system --gid 10001 tradeai \
    && useradd --system --uid 10001 --gid tradeai --home-dir /app --no-create-home --shell /usr/sbin/nologin tradeai

COPY --from=build /opt/venv /opt/venv

# Relative settings resolve against /app: data_dir "data" -> /app/data (SQLite file, parquet
# candles), model_dir "models" -> /app/models, and the default replay path
# "../shared/data/binance-spot-1m" -> /shared/data/binance-spot-1m (mount real candles there).
WORKDIR /app
COPY migrations ./migrations
ENV TRADEAI_MIGRATIONS=/app/migrations
RUN mkdir -p /app/data /app/models && chown tradeai:tradeai /app/data /app/models

USER tradeai:tradeai
VOLUME ["/app/data", "/app/models"]

# No HEALTHCHECK: the runtime has no health endpoint to probe yet.
# SIGTERM (docker stop) ends the runtime; run with --init (compose: init: true) so that PID 1
# forwards signals and reaps children.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tradeai"]
CMD ["run"]
