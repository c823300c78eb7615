"""Calendar helpers in the township's time zone (Asia/Shanghai)."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()


def month_start(day: datetime.date | None = None) -> datetime.date:
    day = day or today()
    return day.replace(day=1)


def next_month_start(day: datetime.date | None = None) -> datetime.date:
    start = month_start(day)
    return (start + datetime.timedelta(days=32)).replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)
