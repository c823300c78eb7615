"""Comparing markup the way a browser shows it."""

import re


def squeeze(html: str) -> str:
    """Whitespace as the browser shows it: runs are one space, none around blocks."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(</?(?:tr|td|div)\b[^>]*>)\s*", r"\1", html).strip()
