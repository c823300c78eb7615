"""Remove audit records and access-log entries older than AUDIT_RETENTION_DAYS.

Run daily by deploy/backup.cron. Records younger than the retention are never touched; the
retention cannot be set below 180 days (the settings refuse to start).
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from infra.models import AccessLog, AuditEvent


class Command(BaseCommand):
    help = "Remove audit records and access-log entries older than AUDIT_RETENTION_DAYS."

    def handle(self, *args: object, **options: object) -> None:
        cutoff = timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
        events, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        entries, _ = AccessLog.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(
            f"Removed {events} audit events and {entries} access-log entries older than "
            f"{cutoff:%Y-%m-%d %H:%M} ({settings.AUDIT_RETENTION_DAYS} days)."
        )
