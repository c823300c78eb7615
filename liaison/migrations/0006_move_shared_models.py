"""Roles move to the registry (households), the access log and rate counters to the ground
floor (base): their tables are renamed and their rows kept. The village figures tokens
give way to base.CacheToken (tokens are disposable: a missing one reads as changed)."""

from django.db import migrations


def move_content_types(apps, schema_editor):
    # Permissions hang on content types: moving these keeps every group's admin rights.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in (("role", "households"), ("accesslog", "base"), ("ratecounter", "base")):
        ContentType.objects.filter(app_label="liaison", model=model).update(app_label=app_label)


class Migration(migrations.Migration):
    dependencies = [
        ("liaison", "0005_cache_table"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("role", "households_role"),
                migrations.AlterModelTable("accesslog", "base_accesslog"),
                migrations.AlterModelTable("ratecounter", "base_ratecounter"),
            ],
            state_operations=[
                migrations.DeleteModel("Role"),
                migrations.DeleteModel("AccessLog"),
                migrations.DeleteModel("RateCounter"),
            ],
        ),
        migrations.DeleteModel("VillageFigures"),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
