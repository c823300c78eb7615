"""Account states arrive from infra with their rows: the table stays (`db_table`), so this
only tells Django's state (infra 0003 forgets the model there)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Permissions hang on content types: moving it keeps every group's admin rights.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="infra", model="accountstate").update(
        app_label="accounts"
    )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="accounts", model="accountstate").update(
        app_label="infra"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("infra", "0002_job_kind_audit_action_registered"),
        ("contenttypes", "0002_remove_content_type_name"),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AccountState',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='account_state', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user')),
                        ('password_changed_at', models.DateTimeField(blank=True, null=True, verbose_name='password changed at')),
                        ('must_change_password', models.BooleanField(default=False, verbose_name='must change password')),
                        ('is_demo', models.BooleanField(default=False, verbose_name='demo account')),
                    ],
                    options={
                        'verbose_name': 'account state',
                        'verbose_name_plural': 'account states',
                        'db_table': 'base_accountstate',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
