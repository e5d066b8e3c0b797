"""gunicorn settings for the WSGI server (`gunicorn -c python:yiwang.gunicorn_conf
yiwang.wsgi:application`, docs/operations.md; bench/training_exam.py starts it so).

`preload_app`: the master imports the project (Django, every app, the URL configuration: several
seconds of CPU) once, *before* it opens the listening socket, and forks ready workers. Without it
gunicorn listens at once and every worker imports the project by itself: after a restart, requests
are accepted and then wait — 20 s with 4 workers on 2 busy cores in the exam benchmark — until a
worker has booted; with it, a client is refused (and retries) until the server can answer, and the
boot costs one import instead of one per worker. Nothing touches the database at import time; the
master closes any connection all the same before it forks (a shared socket would mix the workers'
queries).

`control_socket_disable`: gunicorn ≥ 24 opens a control socket (`gunicornc`) at one fixed path per
user (~/.gunicorn/gunicorn.ctl) unless told otherwise; two servers on one machine (the scale-out
layout of docs/operations.md, or a benchmark beside a demo) would take it from each other. Nothing
here uses it.

ASGI (the hall screens' event streams): the same file with the uvicorn worker class given on the
command line, which overrides the file — `gunicorn -c python:yiwang.gunicorn_conf -k
uvicorn.workers.UvicornWorker yiwang.asgi:application` (deploy/yiwang-web@.service).
"""

import os

preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
backlog = 2048
timeout = 60
control_socket_disable = True
# Idle keep-alive connections (ASGI workers; sync workers close after each answer) stay open longer
# than nginx keeps its idle upstream connections (deploy/nginx.conf: keepalive_timeout 60s), so the
# server never closes one at the moment nginx reuses it — which nginx answers with a 502 for a
# POST it may not resend. gunicorn's default is 2 s.
keepalive = 75


def _no_server_banner() -> None:
    """No `Server: gunicorn` header (issue 22: no product banner for scanners). gunicorn has no
    setting for it; its response writes the header from one method, wrapped here in the master
    before any worker is forked."""
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "_yiwang", False):
        return
    original = wsgi.Response.default_headers

    def default_headers(self):
        return [h for h in original(self) if not h.lower().startswith("server:")]

    default_headers._yiwang = True
    wsgi.Response.default_headers = default_headers


def on_starting(server):
    _no_server_banner()


def pre_fork(server, worker):
    """In the master, before each fork: no database connection may be shared by the workers."""
    from django.db import connections

    connections.close_all()
