"""Account states now belong to the accounts (accounts 0001): the table and its rows stay;
infra only forgets the model."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("infra", "0002_job_kind_audit_action_registered"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("AccountState")],
            database_operations=[],
        ),
    ]
