from django.db import migrations

from base.trigram import trigram_indexes

forward, backward = trigram_indexes("members_partymember", ["name", "phone", "search_key"])


class Migration(migrations.Migration):
    dependencies = [("members", "0002_assignment_within_capacity")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
