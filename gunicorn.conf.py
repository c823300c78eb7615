"""gunicorn reads this file from the working directory (deploy/liaison.service's
/srv/liaison) before it starts: a server whose REDIS_URL cannot be reached refuses to
start with a message naming the URL (liaison/checks.py), instead of answering errors.

Only the master checks, once, at start-up: a worker restarted later during a short Redis
outage boots as usual (a failed worker boot would stop the whole server).
"""

import os


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
