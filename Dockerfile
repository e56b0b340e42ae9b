# Image for the `ownership` CLI, the Streamlit explorer and the scheduled importer.
#
#   docker build -t ownership:local .
#   docker run --rm -e NEO4J_URI=bolt://host:7687 -e NEO4J_USER=neo4j -e NEO4J_PASSWORD=... \
#       ownership:local stats
#
# The entrypoint is `ownership`, so a container's command is the subcommand and its options
# (`app --address 0.0.0.0`, `refresh --sources /app/seed/sources.toml --every 6h`, ...).
# No credentials are baked in: NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD come from the environment
# at run time (see docker-compose.yml and .env.example). `.env` is kept out of the build context
# by .dockerignore.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    OWNERSHIP_HOME=/data/ownership

# Unprivileged runtime user (fixed numeric ids so volume ownership is predictable).
RUN groupadd --system --gid 10001 ownership \
 && useradd --system --uid 10001 --gid ownership --create-home --home-dir /home/ownership \
        --shell /usr/sbin/nologin ownership

WORKDIR /app

# The project source (filtered by .dockerignore): the package, app.py, pyproject.toml, README.md
# and seed/ (the seed registry and seed/sources.toml used by the scheduled importer).
COPY . /app
# Explicit, so that a build context missing seed/ fails here rather than at the first refresh.
COPY seed/ /app/seed/

# Install the project and its dependencies (arcadedb-embedded is large but only used when
# NEO4J_URI is unset). Remove the in-tree build leftovers afterwards.
RUN pip install /app \
 && rm -rf /app/build /app/*.egg-info \
 && ownership --help >/dev/null

# OWNERSHIP_HOME (run ledger, logs). A named volume mounted here on first use takes this
# directory's ownership, so the unprivileged user can write to it. The source under /app stays
# owned by root and read-only for the runtime user.
RUN mkdir -p /data/ownership \
 && chown -R 10001:10001 /data /home/ownership

USER 10001:10001
ENV HOME=/home/ownership

EXPOSE 8501

ENTRYPOINT ["ownership"]
CMD ["--help"]
