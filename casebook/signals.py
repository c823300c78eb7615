"""Keep Household.last_visited_on in step with the notebook, whichever path writes a visit.

Services, the admin and the seed all go through here (the seed's bulk insert sets the column
itself with `refresh_last_visits`). A new visit only ever moves the date forward, which one
UPDATE with GREATEST does safely while other visits are written at the same time; a
correction or a deletion recounts from the visits.
"""

from django.db.models import DateField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from casebook.models import Visit
from households.models import Household


def refresh_last_visits(households: QuerySet[Household]) -> int:
    """Recompute last_visited_on from the visits for these households (one UPDATE)."""
    latest = (
        Visit.objects.filter(household_id=OuterRef("pk"))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    return households.update(last_visited_on=Subquery(latest, output_field=DateField()))


@receiver(post_save, sender=Visit, dispatch_uid="casebook-visit-saved")
def visit_saved(sender, instance: Visit, created: bool, raw: bool = False, **kwargs):
    if raw:  # loaddata: the household row carries its own value
        return
    households = Household.objects.filter(pk=instance.household_id)
    if created:
        day = Value(instance.visited_on, output_field=DateField())
        households.update(last_visited_on=Greatest(Coalesce("last_visited_on", day), day))
    else:  # a correction may move the date back
        refresh_last_visits(households)


@receiver(post_delete, sender=Visit, dispatch_uid="casebook-visit-deleted")
def visit_deleted(sender, instance: Visit, **kwargs):
    refresh_last_visits(Household.objects.filter(pk=instance.household_id))
