"""The worker's side of text messages (django-tasks; on Django 6 the import becomes
`from django.tasks import task`)."""

from django_tasks import task

from notify import services


@task()
def deliver_message(message_id: int) -> str:
    return services.message_deliver(message_id)


@task()
def recover_messages() -> int:
    return services.messages_recover()
