"""The access log and the rate counters arrive from liaison with their rows (liaison 0006
renamed their tables; this only tells Django's state); the cache tokens are new."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("liaison", "0006_move_shared_models"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="at")),
                        ("action", models.CharField(choices=[("export_households", "Exported households"), ("export_members", "Exported members"), ("export_report", "Exported a report"), ("print_cards", "Printed cards"), ("import", "Imported a roster")], max_length=20, verbose_name="action")),
                        ("description", models.CharField(max_length=300, verbose_name="what")),
                        ("record_count", models.PositiveIntegerField(verbose_name="records")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="user")),
                    ],
                    options={
                        "verbose_name": "access log entry",
                        "verbose_name_plural": "access log",
                        "ordering": ["-at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="RateCounter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=150)),
                        ("window", models.BigIntegerField()),
                        ("count", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "constraints": [models.UniqueConstraint(fields=("key", "window"), name="ratecounter_key_window")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="CacheToken",
            fields=[
                ("village_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("token", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "cache token",
                "verbose_name_plural": "cache tokens",
            },
        ),
    ]
