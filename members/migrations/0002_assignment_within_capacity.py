"""A database trigger: a member's open links stay within capacity unless overridden.

The rule holds for every writer (views, imports, admin, raw SQL), on SQLite and PostgreSQL.
An over-capacity link needs capacity_override, and a check constraint makes that carry a note.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER assignment_within_capacity_insert
    BEFORE INSERT ON members_assignment
    WHEN NEW.ended_on IS NULL AND NEW.capacity_override = 0
    BEGIN
        SELECT RAISE(ABORT, 'assignment_within_capacity')
        WHERE (SELECT COUNT(*) FROM members_assignment
               WHERE member_id = NEW.member_id AND ended_on IS NULL)
              >= (SELECT capacity FROM members_partymember WHERE id = NEW.member_id);
    END
    """,
    """
    CREATE TRIGGER assignment_within_capacity_update
    BEFORE UPDATE ON members_assignment
    WHEN NEW.ended_on IS NULL AND NEW.capacity_override = 0
         AND (OLD.ended_on IS NOT NULL OR OLD.member_id != NEW.member_id
              OR OLD.capacity_override = 1)
    BEGIN
        SELECT RAISE(ABORT, 'assignment_within_capacity')
        WHERE (SELECT COUNT(*) FROM members_assignment
               WHERE member_id = NEW.member_id AND ended_on IS NULL AND id != NEW.id)
              >= (SELECT capacity FROM members_partymember WHERE id = NEW.member_id);
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS assignment_within_capacity_insert",
    "DROP TRIGGER IF EXISTS assignment_within_capacity_update",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION members_assignment_within_capacity() RETURNS trigger AS $$
    BEGIN
        IF (SELECT COUNT(*) FROM members_assignment
            WHERE member_id = NEW.member_id AND ended_on IS NULL AND id <> NEW.id)
           >= (SELECT capacity FROM members_partymember WHERE id = NEW.member_id) THEN
            RAISE EXCEPTION 'assignment_within_capacity' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER assignment_within_capacity_insert
    BEFORE INSERT ON members_assignment FOR EACH ROW
    WHEN (NEW.ended_on IS NULL AND NOT NEW.capacity_override)
    EXECUTE FUNCTION members_assignment_within_capacity()
    """,
    """
    CREATE TRIGGER assignment_within_capacity_update
    BEFORE UPDATE ON members_assignment FOR EACH ROW
    WHEN (NEW.ended_on IS NULL AND NOT NEW.capacity_override
          AND (OLD.ended_on IS NOT NULL OR OLD.member_id <> NEW.member_id
               OR OLD.capacity_override))
    EXECUTE FUNCTION members_assignment_within_capacity()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS assignment_within_capacity_insert ON members_assignment",
    "DROP TRIGGER IF EXISTS assignment_within_capacity_update ON members_assignment",
    "DROP FUNCTION IF EXISTS members_assignment_within_capacity()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"No capacity trigger for {schema_editor.connection.vendor}; "
                "use SQLite or PostgreSQL."
            )
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
