# warning in a container: the package with its rule pack, classifier examples and
# migrations, run as a non-root user, healthy when /healthz says the database is reachable
# and the scheduler alive. The image holds no secrets: the database URL and channel URLs
# come from the environment (deploy/config.yaml names them).
#   docker build -t warning .
#   docker run -e WARNING_DATABASE_URL=postgresql://... -p 8080:8080 warning
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XDG_CACHE_HOME=/var/lib/warning/cache

WORKDIR /src
COPY pyproject.toml README.md ./
COPY warning ./warning
COPY rules ./rules
COPY classifiers ./classifiers
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /var/lib/warning --create-home warning \
    && mkdir -p /var/lib/warning/inbox /var/lib/warning/cache /etc/warning \
    && chown -R warning:warning /var/lib/warning
COPY deploy/config.yaml /etc/warning/config.yaml

USER warning
WORKDIR /var/lib/warning
ENV WARNING_CONFIG=/etc/warning/config.yaml
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["warning"]
CMD ["run"]
