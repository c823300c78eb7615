"""Database aggregates the dashboards need on both SQLite and PostgreSQL.

- Median: PostgreSQL's percentile_cont; on SQLite a MEDIAN aggregate registered on every
  new connection (SQLite lets Python define aggregates), so the median is still computed in
  the database's GROUP BY, not by the view looping over rows.
- ReplySeconds: seconds between two timestamps (EXTRACT(EPOCH …) / julianday arithmetic).
- Compiled: a query compiled once and run again as its SQL.
"""

import statistics

from django.core.exceptions import EmptyResultSet
from django.db import connections
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


class Compiled:
    """A query built once and compiled once per database, then run again as its SQL.

    Compiling the figures' queries (some forty conditions, subqueries and aggregates) costs
    more Python than the database takes to run them; liaison.dashboard keeps them built per
    arguments and runs them after every write. `rows()` gives a values() query's rows as
    the database gives them: for numbers only (ids, counts, medians), which Django does not
    convert. `objects()` gives a model query's instances through Django's raw(), which
    converts the model's fields as a query would; its annotations come as the database
    gives them (numbers, again).
    """

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self._sql = {}

    def _compiled(self):
        connection = connections[self.queryset.db]
        key = (connection.alias, connection.vendor)
        if key not in self._sql:
            try:
                self._sql[key] = self.queryset.query.get_compiler(connection=connection).as_sql()
            except EmptyResultSet:  # filtered on an empty list (a township without villages)
                self._sql[key] = None
        return connection, self._sql[key]

    def rows(self) -> list[dict]:
        connection, compiled = self._compiled()
        if compiled is None:
            return []
        sql, params = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def objects(self) -> list:
        _connection, compiled = self._compiled()
        if compiled is None:
            return []
        sql, params = compiled
        return list(self.queryset.model.objects.db_manager(self.queryset.db).raw(sql, params))


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
