"""The password rule of the product (GB/T 22239-2019 level 2: complexity and periodic change).

At least 8 characters (Django's MinimumLengthValidator) with at
least three of four kinds: upper-case letters, lower-case letters, digits, symbols. With
Django's other validators a password is also not close to the login or the name, not a
common password and not all digits.
"""

import string
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

# Django 5.2's MinimumLengthValidator says this with "%d", but its own zh_Hans catalogue
# still holds the older "%(min_length)d" wording, so the message showed in English. Marked
# here so that our catalogue carries it (gettext looks in ours first).
TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)

KINDS: tuple[Callable[[str], bool], ...] = (
    lambda c: c in string.ascii_uppercase,
    lambda c: c in string.ascii_lowercase,
    lambda c: c in string.digits,
    lambda c: not c.isalnum() or not c.isascii(),
)


class ComplexityValidator:
    """Three of the four kinds of character, so a password is not just a word and a year."""

    def __init__(self, min_kinds: int = 3) -> None:
        self.min_kinds = min_kinds

    def validate(self, password: str, user: object = None) -> None:
        kinds = sum(1 for kind in KINDS if any(kind(c) for c in password))
        if kinds < self.min_kinds:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Use at least three of these four: capital letters, small letters, digits, "
            "symbols (such as ! # - _)."
        )
