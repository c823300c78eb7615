from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class LiaisonConfig(AppConfig):
    """The top floor: settings, the URL root, the home page, dashboards and reports."""

    name = "liaison"
    default = True  # the module also holds AxesConfig
    verbose_name = _("Liaison")

    def ready(self):
        # The start-up checks, and the access action the reports register (infra.registry).
        from liaison import checks, reports  # noqa: F401


class AxesConfig(AxesAppConfig):
    """django-axes under a Chinese name in the admin (its app has no verbose name)."""

    verbose_name = _("Login protection")


class TasksDbConfig(TasksAppConfig):
    """django-tasks-db (the queue of background tasks) under a Chinese name in the admin."""

    verbose_name = _("Background task queue")
