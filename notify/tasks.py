"""The worker's side of text messages (django-tasks; on Django 6 the import becomes
`from django.tasks import task`)."""

from django_tasks import task

from notify import services


@task()
def deliver_message(key: str) -> str:
    return services.message_deliver(key)


@task()
def deliver_messages(keys: list[str]) -> dict[str, int]:
    """A batch queued at once (messages_queue_many): each message as deliver_message would."""
    return services.messages_deliver_many(keys)


@task()
def recover_messages() -> int:
    return services.messages_recover()
