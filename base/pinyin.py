"""Pinyin search keys: typing `dwx` or `dongwenxiang` finds 董文祥."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def search_key(name: str) -> str:
    """Lower-case initials, then the full pinyin, separated by a space: "dwx dongwenxiang".

    Heteronyms take pypinyin's most common reading; non-Chinese characters pass through.
    """
    name = (name or "").strip()
    if not name:
        return ""
    full = "".join(lazy_pinyin(name, errors="default")).lower().replace(" ", "")
    initials = "".join(
        syllable[:1] for syllable in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    ).lower()
    return f"{initials} {full}"
