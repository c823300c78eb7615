"""What the casebook's services share: the error they raise and the checks they all make."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Model

from households.models import Role, RoleKind, Village


class CasebookError(Exception):
    """A change the casebook refuses; the message is fit to show the user."""


class StaleRequest(CasebookError):
    """Someone else changed the request since the form was shown."""


def _full_clean(obj: Model, exclude: Iterable[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise CasebookError("; ".join(error.messages)) from error


def role_user(kind: str, *, village: Village) -> User | None:
    """The first active login holding the role: the village's secretary, or staff of the
    village's township."""
    roles = Role.objects.filter(kind=kind, user__is_active=True).select_related("user")
    if kind == RoleKind.SECRETARY:
        roles = roles.filter(village=village)
    else:
        roles = roles.filter(township_id=village.township_id)
    role = roles.order_by("id").first()
    return role.user if role else None
