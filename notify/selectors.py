"""Reads of the outbox for the features' pages."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from notify.models import Message, OptOut


def messages_about(subjects: list[str]) -> dict[str, list[Message]]:
    """The messages about each subject ("request:12"), oldest first, in one query."""
    found: dict[str, list[Message]] = {}
    rows = Message.objects.filter(subject__in=subjects).order_by("created_at", "id")
    for message in rows.defer("variables"):
        found.setdefault(message.subject, []).append(message)
    return found


def sent_today(township_id: int) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Message.objects.filter(township_id=township_id, sent_at__gte=start).count()


def cap_reached(township_id: int) -> bool:
    """Whether the township has sent its daily number of messages (the rest wait for
    tomorrow morning): staff are told on their pages, so they can phone what is urgent."""
    cap = settings.SMS_TOWNSHIP_DAILY_CAP
    return bool(cap) and sent_today(township_id) >= cap


def capped(township_ids: Iterable[int] | QuerySet[Any, Any]) -> bool:
    """Whether any of these townships (ids, or a query of them) reached its daily cap today:
    one query, for the staff's pages."""
    cap = settings.SMS_TOWNSHIP_DAILY_CAP
    if not cap:
        return False
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Message.objects.filter(township_id__in=township_ids, sent_at__gte=start)
        .values("township_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=cap)
        .exists()
    )


def opted_out(phone: str) -> bool:
    """Whether the number replied 退订 to one of our texts (and was not agreed again since)."""
    return bool(phone) and OptOut.objects.filter(phone=phone).exists()
