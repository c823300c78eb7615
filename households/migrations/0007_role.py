"""Roles now live beside the townships and villages they name (the table was renamed by
liaison 0006; this only tells Django's state)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0006_household_last_visited_on"),
        ("liaison", "0006_move_shared_models"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Role",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("township", "Township staff"), ("secretary", "Village secretary")], max_length=10, verbose_name="role")),
                        ("township", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="households.township", verbose_name="township")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="liaison_roles", to=settings.AUTH_USER_MODEL, verbose_name="user")),
                        ("village", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="households.village", verbose_name="village")),
                    ],
                    options={
                        "verbose_name": "role",
                        "verbose_name_plural": "roles",
                        "constraints": [models.CheckConstraint(condition=models.Q(models.Q(("kind", "township"), ("township__isnull", False), ("village__isnull", True)), models.Q(("kind", "secretary"), ("township__isnull", True), ("village__isnull", False)), _connector="OR"), name="role_has_matching_scope"), models.UniqueConstraint(fields=("user", "kind", "township", "village"), name="role_unique_per_user")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
