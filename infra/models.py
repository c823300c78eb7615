"""The platform's own tables: the personal-data access log, audit events, background jobs,
rate counters and the tokens of cached figures. None of them refers to a feature's model;
each keeps the table it had when it lived in `base` (`db_table`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from infra import registry


class AccessLog(models.Model):
    """Who exported or printed whose personal data, and how much of it. Written, never edited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # A code a feature registered (infra.registry.register_access_action), with its label.
    action = models.CharField(_("action"), max_length=registry.MAX_LENGTH)
    description = models.CharField(_("what"), max_length=300)
    record_count = models.PositiveIntegerField(_("records"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        db_table = "base_accesslog"
        # In context: django-axes' own (login) "access log" is another log.
        verbose_name = pgettext_lazy("personal data", "access log entry")
        verbose_name_plural = pgettext_lazy("personal data", "access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action_label}"

    @property
    def action_label(self) -> str:
        return registry.access_action_label(self.action)


class RateCounter(models.Model):
    """Hits per key and time window, shared by every worker and host through the database.

    Used for rate limits when no Redis is configured (infra/ratelimit.py).
    """

    key = models.CharField(max_length=150)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "base_ratecounter"
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="ratecounter_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"


class CacheToken(models.Model):
    """The token under which a village's cached figures are kept (infra/cache.py).

    A plain village id, not a foreign key: the platform knows no village model. A row
    left behind by a deleted village is never read again.
    """

    village_id = models.BigIntegerField(primary_key=True)
    token = models.BigIntegerField(default=0)

    class Meta:
        db_table = "base_cachetoken"
        verbose_name = _("cache token")
        verbose_name_plural = _("cache tokens")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.token}"


class AuditEvent(models.Model):
    """A security event or an important change: who, when, from where, what. Never edited.

    Exports, imports and printed cards are in AccessLog (with their record counts); both
    are kept AUDIT_RETENTION_DAYS and pruned by `manage.py prune_audit`.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    username = models.CharField(_("login name"), max_length=150, blank=True)
    # A code a feature registered (infra.registry.register_audit_action), with its label.
    action = models.CharField(_("action"), max_length=registry.MAX_LENGTH, db_index=True)
    target = models.CharField(_("whom or what"), max_length=200, blank=True)
    detail = models.CharField(_("details"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        db_table = "base_auditevent"
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action_label}"

    @property
    def action_label(self) -> str:
        return registry.audit_action_label(self.action)


class Job(models.Model):
    """Long work a user (or cron) asked for, run by a background worker (infra/jobs.py).

    The worker writes its progress (rows done of total) and a sign of life as it goes; the
    page polls them. A finished export leaves a file for its asker only, kept until
    `expires_at`. A feature's task does the work; this row knows no feature.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # A code a feature registered (infra.registry.register_job_kind), with its label.
    kind = models.CharField(_("kind"), max_length=registry.MAX_LENGTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    # What to do: an export's filter (query string), an import's upload id.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    # The file under JOB_FILES_DIR (a name the worker chose) and the name it downloads as.
    file = models.CharField(_("file"), max_length=200, blank=True)
    filename = models.CharField(_("download name"), max_length=200, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.CharField(_("error message"), max_length=300, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    # How many times a worker took it: a job whose worker died is queued again, and only
    # the latest run may write (a run that lost the job stops at its next heartbeat).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True)

    class Meta:
        db_table = "base_job"
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        return registry.job_kind_label(self.kind)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
