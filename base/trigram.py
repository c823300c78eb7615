"""Trigram indexes (pg_trgm) for the registry's searches, on PostgreSQL only.

A search is `LIKE '%…%'` on a few columns (names, numbers, phones, pinyin keys): a B-tree
index cannot answer it, so across a county or a prefecture every row was read. A GIN index
of trigrams answers a pattern of three characters or more from the index (董文祥 among
306,600 households: a fraction of a millisecond instead of tens of milliseconds); shorter
patterns fall back to reading the rows, as before. The database's character type must class
Chinese characters as letters (C.UTF-8 and the usual UTF-8 locales do). SQLite keeps its
plain indexes: an embedded township-sized database is read in a few milliseconds anyway.

`trigram_indexes(table, columns)` gives a migration's forward and backward functions.
"""

from collections.abc import Callable, Sequence


def trigram_indexes(table: str, columns: Sequence[str]) -> tuple[Callable, Callable]:
    """RunPython functions creating (and dropping) `<table>_<column>_trgm` GIN indexes."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may add it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" '  # noqa: S608 -- names from code
                f'ON "{table}" USING gin ("{column}" gin_trgm_ops)'
            )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')

    return forward, backward
