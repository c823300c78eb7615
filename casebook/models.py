from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from households.models import Household, Village
from members.models import PartyMember


class DutyCode(models.TextChoices):
    POLICY = "policy", _("Policy publicity")
    MEDIATION = "mediation", _("Dispute mediation")
    SAFETY = "safety", _("Safety hazard inspection")
    CUSTOMS = "customs", _("Civilised customs")
    SANITATION = "sanitation", _("Environmental sanitation")
    OPINION = "opinion", _("Collecting public opinion")


class Duty(models.Model):
    """One of the member's six duties (六项职责); rows are seeded by a data migration."""

    code = models.CharField(_("code"), max_length=20, unique=True, choices=DutyCode.choices)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["sort"]

    def __str__(self) -> str:
        return str(self.get_code_display())


class RequestCategory(models.Model):
    """A kind of matter, with the time limits that set each request's due dates."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    accept_days = models.PositiveSmallIntegerField(
        _("days to accept"), default=3, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    reply_days = models.PositiveSmallIntegerField(
        _("days to reply"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # The member hears of an urgent matter at once, even at night (quiet hours do not hold it).
    is_urgent = models.BooleanField(_("urgent"), default=False)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        if self.name_en and (translation.get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class VisitChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    PAVILION = "pavilion", _("At the pavilion")


class Sanitation(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Visit(models.Model):
    """A notebook entry (连心笔记本): one visit or contact by a member with a household."""

    member = models.ForeignKey(
        PartyMember, on_delete=models.PROTECT, related_name="visits", verbose_name=_("party member")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="visits", verbose_name=_("household")
    )
    visited_on = models.DateField(_("date"))
    channel = models.CharField(
        _("channel"), max_length=12, choices=VisitChannel.choices, default=VisitChannel.IN_PERSON
    )
    duties = models.ManyToManyField(
        Duty, blank=True, related_name="visits", verbose_name=_("duties")
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    sanitation = models.CharField(
        _("sanitation"), max_length=8, choices=Sanitation.choices, blank=True
    )
    hazard_found = models.BooleanField(_("hazard found"), default=False)
    follow_up = models.BooleanField(_("follow-up needed"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    # Made on the phone when the entry is written (offline too): the key that lets the
    # phone send an entry again and again while the server records it exactly once
    # (unique: the constraint below).
    client_id = models.UUIDField(_("id made on the phone"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            # Covering index for "last visit per household" and "visited this month".
            models.Index(fields=["household", "visited_on"], name="visit_household_date"),
            models.Index(fields=["member", "visited_on"], name="visit_member_date"),
            models.Index(fields=["visited_on"], name="visit_date"),
        ]
        constraints = [
            # A partial unique index: SQLite adds it without rebuilding the table (a rebuild
            # would trip the last-visit triggers of migration 0006).
            models.UniqueConstraint(
                fields=["client_id"],
                condition=Q(client_id__isnull=False),
                name="visit_client_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.member} → {self.household}"


class RequestSource(models.TextChoices):
    VISIT = "visit", _("Visit")
    CARD = "card", _("Card QR page")
    PAVILION = "pavilion", _("Pavilion")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    RequestStatus.NEW,
    RequestStatus.ACCEPTED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.ESCALATED,
)


class EscalationLevel(models.TextChoices):
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")


class Satisfaction(models.TextChoices):
    """一事一评: the household's rating of the handling, one tap on its card page."""

    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")


class RequestQuerySet(models.QuerySet["Request"]):
    def open(self) -> "RequestQuerySet":
        """Not yet replied: new, accepted, in progress or escalated."""
        return self.filter(status__in=OPEN_STATUSES)


class Request(models.Model):
    """A matter raised by a household (诉求), owned until the household has its reply."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="requests", verbose_name=_("household")
    )
    # Denormalised from the household so that inboxes and dashboards filter on one table.
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="requests", verbose_name=_("village")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    source = models.CharField(_("source"), max_length=10, choices=RequestSource.choices)
    category = models.ForeignKey(
        RequestCategory,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("category"),
    )
    description = models.TextField(_("description"), max_length=2000)
    contact_phone = models.CharField(_("phone to call back"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    escalation_level = models.CharField(
        _("escalated to"), max_length=10, choices=EscalationLevel.choices, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_requests",
        verbose_name=_("owner"),
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("raised during visit"),
    )
    accept_due_on = models.DateField(_("accept by"), null=True, blank=True)
    due_on = models.DateField(_("reply by"), null=True, blank=True)
    reply = models.TextField(_("reply"), max_length=2000, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replied by"),
    )
    satisfaction = models.CharField(
        _("household's verdict"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    # How many times the household rated a reply "not satisfied" (each sent it back).
    unsatisfied_count = models.PositiveSmallIntegerField(
        _("times rated not satisfied"), default=0, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Optimistic lock: every transition bumps it; a stale form is refused, never overwrites.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("raised at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["village", "status"], name="request_village_status"),
            models.Index(fields=["household", "created_at"], name="request_household_created"),
            models.Index(fields=["owner", "status"], name="request_owner_status"),
            models.Index(fields=["status", "due_on"], name="request_status_due"),
            models.Index(fields=["created_at"], name="request_created"),
            models.Index(fields=["replied_at"], name="request_replied"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        today = timezone.localdate()
        if self.status == RequestStatus.NEW and self.accept_due_on and self.accept_due_on < today:
            return True
        return self.is_open and self.due_on is not None and self.due_on < today


def overdue_q(today=None) -> Q:
    """Open requests past their reply date, or still new past their accept date."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, due_on__lt=today) | Q(
        status=RequestStatus.NEW, accept_due_on__lt=today
    )


class EventKind(models.TextChoices):
    CREATED = "created", _("Raised")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Owner assigned")
    NOTE = "note", _("Progress note")
    ESCALATED = "escalated", _("Escalated")
    REPLIED = "replied", _("Replied")
    CONFIRMED = "confirmed", _("Confirmed by household")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    MEETING = "meeting", _("Discussed at a meeting")
    ADDED = "added", _("Added by the household")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("RequestEvent rows are append-only")

    def delete(self):
        raise TypeError("RequestEvent rows are append-only")


class RequestEvent(models.Model):
    """One line of a request's timeline. Append-only: never updated, never deleted."""

    request = models.ForeignKey(
        Request, on_delete=models.PROTECT, related_name="events", verbose_name=_("request")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # Who acted when there is no account, e.g. "household (card page)".
    actor_label = models.CharField(_("by (no account)"), max_length=50, blank=True)
    from_status = models.CharField(
        _("from status"), max_length=12, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=12, choices=RequestStatus.choices, blank=True
    )
    text = models.TextField(_("text"), max_length=2000, blank=True)
    at = models.DateTimeField(_("at"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="event_request_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("RequestEvent rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("RequestEvent rows are append-only")


class VoiceNote(models.Model):
    """A household's voice message (语音) on a request: raised by voice, or added to it.

    The bytes live in the database, beside the timeline line they belong to: the backup
    (SQLite's online copy, pg_dump) keeps them with everything else, every app server reads
    them, and they are reachable only through the views that check who may hear them
    (casebook.views.voice_play, casebook.public.card_voice) — never from MEDIA_URL.
    `content_type` is what base.audio found in the bytes, not what the browser said.
    """

    request = models.ForeignKey(
        Request, on_delete=models.PROTECT, related_name="voice_notes", verbose_name=_("request")
    )
    event = models.OneToOneField(
        RequestEvent,
        on_delete=models.PROTECT,
        related_name="voice",
        verbose_name=_("timeline line"),
    )
    content_type = models.CharField(_("format"), max_length=20)
    seconds = models.PositiveSmallIntegerField(_("seconds"))
    size = models.PositiveIntegerField(_("bytes"))
    data = models.BinaryField(_("recording"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("voice message")
        verbose_name_plural = _("voice messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.seconds}s"


class Pavilion(models.Model):
    """四邻议事亭(室): where neighbours deliberate and members mediate."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="pavilions", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=50)
    location = models.CharField(_("location"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pavilion")
        verbose_name_plural = _("pavilions")
        ordering = ["village_id", "name"]

    def __str__(self) -> str:
        return self.name


class MeetingKind(models.TextChoices):
    DELIBERATION = "deliberation", _("Deliberation")
    MEDIATION = "mediation", _("Mediation")
    PUBLICITY = "publicity", _("Policy publicity")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MediationOutcome(models.TextChoices):
    AGREED = "agreed", _("Agreed")
    PARTLY = "partly", _("Partly agreed")
    NOT_AGREED = "not_agreed", _("Not agreed")


class Meeting(models.Model):
    pavilion = models.ForeignKey(
        Pavilion, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("pavilion")
    )
    # Denormalised from the pavilion for scoping and per-village counts on one table.
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("village")
    )
    kind = models.CharField(_("kind"), max_length=14, choices=MeetingKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    held_at = models.DateTimeField(_("date and time"))
    topic = models.CharField(_("topic"), max_length=200)
    convener = models.ForeignKey(
        PartyMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="convened_meetings",
        verbose_name=_("convener"),
    )
    attendee_members = models.ManyToManyField(
        PartyMember,
        blank=True,
        related_name="meetings_attended",
        verbose_name=_("members present"),
    )
    attendee_households = models.ManyToManyField(
        Household,
        blank=True,
        related_name="meetings_attended",
        verbose_name=_("households present"),
    )
    others_present = models.PositiveSmallIntegerField(_("others present"), default=0)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    requests = models.ManyToManyField(
        Request, blank=True, related_name="meetings", verbose_name=_("requests discussed")
    )
    # Mediation (调解): the parties, the outcome, the agreement, and a follow-up visit.
    parties = models.ManyToManyField(
        Household, blank=True, related_name="mediations", verbose_name=_("parties")
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=MediationOutcome.choices, blank=True
    )
    agreement = models.TextField(_("agreement"), blank=True)
    follow_up_on = models.DateField(_("follow-up visit by"), null=True, blank=True)
    follow_up_member = models.ForeignKey(
        PartyMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_follow_ups",
        verbose_name=_("follow-up by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["village", "held_at"], name="meeting_village_held")]

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d} {self.topic}"


class VisitRevision(models.Model):
    """The notebook entry as it was before a correction: corrections never erase."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("visit")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    at = models.DateTimeField(_("corrected at"), auto_now_add=True)
    before = models.JSONField(_("before the correction"))

    class Meta:
        verbose_name = _("visit correction")
        verbose_name_plural = _("visit corrections")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.at:%Y-%m-%d %H:%M}"


class ReplyTemplate(models.Model):
    """A ready answer staff pick and edit when they reply (as FixMyStreet's councils do)."""

    category = models.ForeignKey(
        RequestCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("category"),
        help_text=_("Leave empty to offer it for every category."),
    )
    title = models.CharField(_("title"), max_length=50)
    text = models.TextField(_("text"), max_length=2000)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["category_id", "title"]

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    """One decision of a meeting: what, who carries it out, by when."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decision_lines", verbose_name=_("meeting")
    )
    text = models.CharField(_("decision"), max_length=300)
    responsible = models.ForeignKey(
        PartyMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text
