"""Input clean-up shared by forms, search and imports."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_text(value) -> str:
    """Full-width digits and letters to half-width (NFKC), stray spaces collapsed and trimmed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def normalize_phone(value) -> str:
    """Phones as typed or pasted: full-width digits, spaces and dashes in odd places."""
    text = normalize_text(value).replace(" ", "")
    if text.endswith(".0") and text[:-2].isdigit():  # a number cell read from a spreadsheet
        text = text[:-2]
    if text.startswith("1"):
        return text.replace("-", "")  # mobiles are written without dashes
    return text
