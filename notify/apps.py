from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Text messages (短信): the outbox, its backends and its worker task. It knows no feature:
    the features name their message kinds and variables and hand them over."""

    name = "notify"
    verbose_name = _("Text messages")
    default_auto_field = "django.db.models.BigAutoField"
