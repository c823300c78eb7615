from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Text messages (短信): the outbox, its backends and its worker task. It knows no feature:
    the features name their message kinds and variables and hand them over, or register a
    feed of their events that the worker polls (notify.feeds)."""

    name = "notify"
    verbose_name = _("Text messages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # After every migrate: a new feed's cursor starts at its newest event (the past is
        # never texted), and the worker's poll is queued if none is waiting.
        post_migrate.connect(start_cursors, sender=self, dispatch_uid="notify.start_cursors")
        post_migrate.connect(start_polling, sender=self, dispatch_uid="notify.start_polling")


def start_cursors(sender, **kwargs) -> None:
    from notify import feeds

    feeds.cursors_start()


def start_polling(sender, **kwargs) -> None:
    from notify import feeds

    feeds.poll_ensure()
