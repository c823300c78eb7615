"""The platform's background task: deleting expired job files (infra/jobs.py).

Tasks are django-tasks (the backport of Django 6's django.tasks): on Django 6 the import
below becomes `from django.tasks import task`.
"""

from django_tasks import task

from infra import jobs


@task()
def cleanup_jobs() -> dict[str, int]:
    """Delete expired job files and report jobs whose worker died as failed."""
    return jobs.cleanup()
