"""Database aggregates the dashboards need on both SQLite and PostgreSQL.

- Median: PostgreSQL's percentile_cont; on SQLite a MEDIAN aggregate registered on every
  new connection (SQLite lets Python define aggregates), so the median is still computed in
  the database's GROUP BY, not by the view looping over rows.
- ReplySeconds: seconds between two timestamps (EXTRACT(EPOCH …) / julianday arithmetic).
"""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import (
    Aggregate,
    F,
    FloatField,
    Func,
    IntegerField,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce


class Median(Aggregate):
    function = "MEDIAN"
    name = "Median"
    output_field = FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        # On a copy, not as keyword arguments: with `filter=` Django builds the FILTER
        # clause around the aggregate's own template (PERCENTILE_CONT(0.5) WITHIN GROUP
        # (ORDER BY …) FILTER (WHERE …)) and would be handed a second `template`.
        median = self.copy()
        median.function = "PERCENTILE_CONT"
        median.template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return super(Median, median).as_sql(compiler, connection, **extra_context)


class ReplySeconds(Func):
    """Seconds from the first timestamp to the second."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra_context,
        )


def subquery_count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated subquery, as a column of the outer query (no GROUP BY)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def _register(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)


connection_created.connect(_register, dispatch_uid="liaison-sqlite-median")
