"""Background jobs, audit events, the access log, rate counters, cache tokens and account
states arrive from base with their rows: each keeps its table (`db_table`), so this only tells Django's state
(base 0005 forgets them there). Content types follow, so the admin's permissions hold."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ("accesslog", "accountstate", "auditevent", "cachetoken", "job", "ratecounter")


def move_content_types(apps, schema_editor):
    # Permissions hang on content types: moving these keeps every group's admin rights.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="base", model__in=MOVED).update(app_label="infra")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="infra", model__in=MOVED).update(app_label="base")


def move_queued_tasks(apps, schema_editor):
    # A file's clean-up queued before the move names its task by path: run it from here.
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(task_path="base.tasks.cleanup_jobs").update(
        task_path="infra.tasks.cleanup_jobs"
    )


def move_queued_tasks_back(apps, schema_editor):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(task_path="infra.tasks.cleanup_jobs").update(
        task_path="base.tasks.cleanup_jobs"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("base", "0004_job_attempts"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CacheToken',
                    fields=[
                        ('village_id', models.BigIntegerField(primary_key=True, serialize=False)),
                        ('token', models.BigIntegerField(default=0)),
                    ],
                    options={
                        'verbose_name': 'cache token',
                        'verbose_name_plural': 'cache tokens',
                        'db_table': 'base_cachetoken',
                    },
                ),
                migrations.CreateModel(
                    name='AccessLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='at')),
                        ('action', models.CharField(choices=[('export_households', 'Exported households'), ('export_members', 'Exported members'), ('export_report', 'Exported a report'), ('print_cards', 'Printed cards'), ('import', 'Imported a roster')], max_length=20, verbose_name='action')),
                        ('description', models.CharField(max_length=300, verbose_name='what')),
                        ('record_count', models.PositiveIntegerField(verbose_name='records')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'access log entry',
                        'verbose_name_plural': 'access log',
                        'db_table': 'base_accesslog',
                        'ordering': ['-at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='at')),
                        ('username', models.CharField(blank=True, max_length=150, verbose_name='login name')),
                        ('action', models.CharField(choices=[('login', 'Logged in'), ('login_failed', 'Log-in failed'), ('locked_out', 'Locked out after failed log-ins'), ('logout', 'Logged out'), ('password_changed', 'Changed own password'), ('password_set', 'Temporary password set by an administrator'), ('otp_enrolled', 'Two-factor sign-in set up'), ('otp_verified', 'Second factor passed'), ('otp_failed', 'Second factor failed'), ('otp_recovery_used', 'Recovery code used'), ('otp_reset', 'Two-factor sign-in reset by an administrator'), ('role_added', 'Role given'), ('role_changed', 'Role changed'), ('role_removed', 'Role taken away'), ('account_changed', 'Account changed by an administrator'), ('link_changed', 'Household link changed')], db_index=True, max_length=20, verbose_name='action')),
                        ('target', models.CharField(blank=True, max_length=200, verbose_name='whom or what')),
                        ('detail', models.CharField(blank=True, max_length=500, verbose_name='details')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                    ],
                    options={
                        'verbose_name': 'audit event',
                        'verbose_name_plural': 'audit log',
                        'db_table': 'base_auditevent',
                        'ordering': ['-at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Job',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('export_households', 'Households export'), ('export_members', 'Members export'), ('import_households', 'Households import'), ('import_members', 'Members import'), ('remind_overdue', 'Overdue reminders')], max_length=20, verbose_name='kind')),
                        ('status', models.CharField(choices=[('queued', 'Waiting'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], db_index=True, default='queued', max_length=10, verbose_name='status')),
                        ('params', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                        ('done', models.PositiveIntegerField(default=0, verbose_name='rows done')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='rows in all')),
                        ('file', models.CharField(blank=True, max_length=200, verbose_name='file')),
                        ('filename', models.CharField(blank=True, max_length=200, verbose_name='download name')),
                        ('result', models.JSONField(blank=True, default=dict, verbose_name='result')),
                        ('error', models.CharField(blank=True, max_length=300, verbose_name='error message')),
                        ('task_id', models.CharField(blank=True, max_length=64, verbose_name='task id')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='asked at')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last sign of life')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='file kept until')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='asked by')),
                    ],
                    options={
                        'verbose_name': 'background job',
                        'verbose_name_plural': 'background jobs',
                        'db_table': 'base_job',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='RateCounter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=150)),
                        ('window', models.BigIntegerField()),
                        ('count', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'base_ratecounter',
                        'constraints': [models.UniqueConstraint(fields=('key', 'window'), name='ratecounter_key_window')],
                    },
                ),
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
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.RunPython(move_queued_tasks, move_queued_tasks_back),
    ]
