"""Household.last_visited_on is kept by the database, for every writer of the notebook.

Whatever writes, corrects or deletes an entry (the notebook's services, the admin, the seed's
bulk insert, raw SQL), the household's last visit is recounted from its entries, through the
(household, visited_on) index; and a save of the household that carries an old value (an
edit form opened before a visit was written) is corrected the same way. Nothing in Python
has to remember it.
"""

from django.db import migrations

LAST_VISIT = (
    "(SELECT MAX(visited_on) FROM casebook_visit WHERE casebook_visit.household_id = {id})"
)

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER visit_keeps_last_visit_insert AFTER INSERT ON casebook_visit
    BEGIN
        UPDATE households_household SET last_visited_on = {LAST_VISIT.format(id="NEW.household_id")}
        WHERE id = NEW.household_id;
    END
    """,
    f"""
    CREATE TRIGGER visit_keeps_last_visit_update
    AFTER UPDATE OF visited_on, household_id ON casebook_visit
    BEGIN
        UPDATE households_household SET last_visited_on = {LAST_VISIT.format(id="households_household.id")}
        WHERE id IN (OLD.household_id, NEW.household_id);
    END
    """,
    f"""
    CREATE TRIGGER visit_keeps_last_visit_delete AFTER DELETE ON casebook_visit
    BEGIN
        UPDATE households_household SET last_visited_on = {LAST_VISIT.format(id="OLD.household_id")}
        WHERE id = OLD.household_id;
    END
    """,
    # SQLite's triggers do not fire themselves again (recursive_triggers is off), so this
    # corrects a stale save once and stops.
    f"""
    CREATE TRIGGER household_keeps_last_visit
    AFTER UPDATE OF last_visited_on ON households_household
    WHEN NEW.last_visited_on IS NOT {LAST_VISIT.format(id="NEW.id")}
    BEGIN
        UPDATE households_household SET last_visited_on = {LAST_VISIT.format(id="NEW.id")}
        WHERE id = NEW.id;
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS visit_keeps_last_visit_insert",
    "DROP TRIGGER IF EXISTS visit_keeps_last_visit_update",
    "DROP TRIGGER IF EXISTS visit_keeps_last_visit_delete",
    "DROP TRIGGER IF EXISTS household_keeps_last_visit",
]

POSTGRES_FORWARD = [
    # Before any update that names the column, the household's row takes the notebook's
    # value. Each statement in the function reads a fresh snapshot, so two entries written
    # at once for one household both count (the second waits for the first's row lock).
    f"""
    CREATE OR REPLACE FUNCTION household_keeps_last_visit() RETURNS trigger AS $$
    BEGIN
        NEW.last_visited_on := {LAST_VISIT.format(id="NEW.id")};
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER household_keeps_last_visit
    BEFORE UPDATE OF last_visited_on ON households_household FOR EACH ROW
    EXECUTE FUNCTION household_keeps_last_visit()
    """,
    # A changed entry names the column on its household(s); the trigger above recounts.
    """
    CREATE OR REPLACE FUNCTION visit_keeps_last_visit() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE households_household SET last_visited_on = NULL WHERE id = OLD.household_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            UPDATE households_household SET last_visited_on = NULL WHERE id = NEW.household_id;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER visit_keeps_last_visit
    AFTER INSERT OR DELETE OR UPDATE OF visited_on, household_id ON casebook_visit
    FOR EACH ROW EXECUTE FUNCTION visit_keeps_last_visit()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS visit_keeps_last_visit ON casebook_visit",
    "DROP FUNCTION IF EXISTS visit_keeps_last_visit()",
    "DROP TRIGGER IF EXISTS household_keeps_last_visit ON households_household",
    "DROP FUNCTION IF EXISTS household_keeps_last_visit()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"No last-visit trigger for {schema_editor.connection.vendor}; "
                "use SQLite or PostgreSQL."
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("casebook", "0005_mediation_and_decisions"),
        ("households", "0007_role"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
