# syntax=docker/dockerfile:1
# Two images from one build (compose.yaml builds both):
#   app  the nflscores package: gunicorn (default command), `nflscores poll`, `nflscores upstream`;
#        the last stage, so `docker build .` gives it
#   web  nginx with deploy/nginx.conf and the live page's static files (`--target web`)
# The commands are the ones tests/test_deploy.py runs as processes on loopback.

ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.28.0-alpine

# Build: install the package and its dependencies into a virtualenv; pip and the sources stay here.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/nflscores
WORKDIR /src
COPY pyproject.toml README.md ./
COPY nflscores ./nflscores
RUN /opt/nflscores/bin/pip install . \
    && /opt/nflscores/bin/pip uninstall --yes pip setuptools

# nginx: the image's entrypoint renders deploy/nginx.conf's ${NGINX_*} from the environment.
FROM ${NGINX_IMAGE} AS web
USER root
RUN rm -f /etc/nginx/conf.d/default.conf \
    && chown -R 101:0 /etc/nginx \
    && chmod -R g+w /etc/nginx
COPY --from=build /src/nflscores/web/static /srv/nflscores/static
COPY deploy/nginx.conf /etc/nginx/templates/nginx.conf.template
# Sourced by the image's entrypoint before envsubst: NGINX_UPSTREAM -> NGINX_UPSTREAM_SERVERS.
COPY --chmod=0755 deploy/nginx-upstreams.envsh /docker-entrypoint.d/15-nflscores-upstreams.envsh
ENV NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx \
    NGINX_ENVSUBST_FILTER=^NGINX_ \
    NGINX_LISTEN=8080 \
    NGINX_UPSTREAM=app:8000 \
    NGINX_STATIC_ROOT=/srv/nflscores/static \
    NGINX_RUN_DIR=/tmp \
    NGINX_ERROR_LOG=stderr \
    NGINX_ACCESS_LOG=/dev/stdout
USER 101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
CMD ["nginx", "-g", "daemon off;"]

# The service: the virtualenv and the gunicorn config, run as an unprivileged user.
FROM ${PYTHON_IMAGE} AS app
RUN groupadd --system --gid 10001 nflscores \
    && useradd --system --uid 10001 --gid nflscores --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin nflscores
COPY --from=build /opt/nflscores /opt/nflscores
WORKDIR /srv/nflscores
COPY deploy/gunicorn.conf.py deploy/healthcheck.py deploy/
ENV PATH=/opt/nflscores/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NFLSCORES_BIND=0.0.0.0:8000
USER nflscores:nflscores
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "nflscores.web.app:create_app_from_env"]
