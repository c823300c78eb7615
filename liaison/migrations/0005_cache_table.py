"""The database cache's table, made by migrate (the dashboards' figures live in the cache).

`createcachetable` is idempotent and does nothing when the cache is Redis; running it here
means no deployment can reach a dashboard without the table it needs.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("liaison", "0004_village_figures")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
