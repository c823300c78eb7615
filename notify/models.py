"""The outbox: one row per text message, from queued to delivered or failed.

A message's `key` names the event and the recipient (e.g. "request-replied:12:household:7"):
it is unique in the database, so a second text for the same event and recipient cannot be
made, whoever asks and however often. The full number is kept only to send; lists, the
admin and logs show `masked_phone`.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def mask_phone(phone: str) -> str:
    """138****5678: enough for a person to recognise their number, not to dial it."""
    phone = phone or ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Message(models.Model):
    key = models.CharField(_("event and recipient"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=40, db_index=True)
    phone = models.CharField(_("phone"), max_length=20)
    # The feature's subject, e.g. "request:12", so its page can show the message.
    subject = models.CharField(_("about"), max_length=40, blank=True, db_index=True)
    # The township whose daily cap the message counts against (an id: this floor is below
    # the registry).
    township_id = models.PositiveIntegerField(_("township"), null=True, blank=True)
    template_code = models.CharField(_("template"), max_length=40, blank=True)
    # [[name, value], …]: a list keeps the order Tencent's positional parameters need.
    variables = models.JSONField(_("variables"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    send_after = models.DateTimeField(_("not before"))
    provider = models.CharField(_("provider"), max_length=10, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    units = models.PositiveSmallIntegerField(_("billed messages"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone", "sent_at"], name="message_phone_sent"),
            models.Index(fields=["township_id", "sent_at"], name="message_township_sent"),
            models.Index(fields=["status", "send_after"], name="message_status_after"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def reached(self) -> bool:
        return self.status in (MessageStatus.SENT, MessageStatus.DELIVERED)


class OptOut(models.Model):
    """A number whose owner replied 退订 (TD, T, N, R…) to one of our texts: it gets no more
    text messages until the household agrees again on its card page or through staff."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)
    provider = models.CharField(_("provider"), max_length=10, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("text-message opt-out")
        verbose_name_plural = _("text-message opt-outs")
        ordering = ["-at"]

    def __str__(self) -> str:
        return mask_phone(self.phone)


class Cursor(models.Model):
    """How far a feature's events (a request's timeline lines, …) have been turned into
    messages: the worker's poll reads the events after `position`, queues their messages and
    moves `position` on, in one transaction (services.feeds_pass). An event is read once,
    whatever dies midway and however many workers poll."""

    name = models.CharField(_("feed"), max_length=40, unique=True)
    position = models.BigIntegerField(_("last event read"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("text-message feed")
        verbose_name_plural = _("text-message feeds")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
