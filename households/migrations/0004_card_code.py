"""The short card code: added empty, filled per household, then made unique."""

from django.db import migrations, models

import households.models


def fill_codes(apps, schema_editor):
    Household = apps.get_model("households", "Household")
    rows = list(Household.objects.filter(card_code__isnull=True).only("pk"))
    used = set()
    for household in rows:
        code = households.models.new_card_code()
        while code in used:
            code = households.models.new_card_code()
        used.add(code)
        household.card_code = code
    Household.objects.bulk_update(rows, ["card_code"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("households", "0003_roster_upload")]

    operations = [
        migrations.AddField(
            model_name="household",
            name="card_code",
            field=models.CharField(editable=False, max_length=12, null=True, verbose_name="card code"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="household",
            name="card_code",
            field=models.CharField(
                default=households.models.new_card_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="card code",
            ),
        ),
    ]
