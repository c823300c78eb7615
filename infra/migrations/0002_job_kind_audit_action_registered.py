"""A job's kind and an audit event's action lose their choices: the features register them
(infra.registry), so a feature's new kind or action needs no migration here. No SQL."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('infra', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(db_index=True, max_length=20, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='job',
            name='kind',
            field=models.CharField(max_length=20, verbose_name='kind'),
        ),
    ]
