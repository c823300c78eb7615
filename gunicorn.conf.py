"""gunicorn reads this file from the working directory (deploy/liaison.service's
/srv/liaison) before it starts: a server whose REDIS_URL cannot be reached refuses to
start with a message naming the URL (liaison/checks.py), instead of answering errors.

Only the master checks, once, at start-up: a worker restarted later during a short Redis
outage boots as usual (a failed worker boot would stop the whole server).

It also chooses how requests are served, wherever gunicorn starts from this directory (the
systemd unit, the benchmark, the tests' servers): threaded workers that keep silent and slow
clients from holding them (liaison/gunicorn_worker.py), so the server answers even without
the nginx in front that deploy/nginx.conf describes. The command line may still set
--workers or --bind.
"""

import os

worker_class = "liaison.gunicorn_worker.HeaderTimeoutWorker"
workers = 3
threads = 4
timeout = 60
keepalive = 2  # seconds a silent connection (or one between requests) is kept open


def on_starting(server):
    if not os.environ.get("REDIS_URL"):
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")
    import django

    django.setup()
    from liaison.checks import redis_problem

    problem = redis_problem()
    if problem:
        raise RuntimeError(problem)
