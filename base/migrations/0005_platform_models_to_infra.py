"""Background jobs, audit events, the access log, rate counters, cache tokens and account
states now belong to the platform floor (infra 0001): their tables and rows stay; base only
forgets them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("base", "0004_job_attempts"),
        ("infra", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel("AccessLog"),
                migrations.DeleteModel("AccountState"),
                migrations.DeleteModel("AuditEvent"),
                migrations.DeleteModel("CacheToken"),
                migrations.DeleteModel("Job"),
                migrations.DeleteModel("RateCounter"),
            ],
            database_operations=[],
        ),
    ]
