"""The worker's side of text messages (django-tasks; on Django 6 the import becomes
`from django.tasks import task`)."""

from django_tasks import task

from notify import feeds, services


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


@task()
def poll_feeds() -> dict[str, int]:
    """Every POLL_SECONDS: the features' new events turned into queued messages
    (notify.feeds). The next poll is queued first, in its own transaction, so that a poll
    that fails or a worker killed mid-poll does not end the polling."""
    feeds.poll_ensure(after=feeds.POLL_SECONDS)
    return feeds.feeds_pass()
