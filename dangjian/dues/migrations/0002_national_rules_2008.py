"""The national rules of 2008 (中组发〔2008〕3号) as the first version, in force everywhere."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SALARIED = [["3000.00", "0.5"], ["5000.00", "1"], ["10000.00", "1.5"], [None, "2"]]
RETIREE = [["5000.00", "0.5"], [None, "1"]]


def load(apps, schema_editor):
    RateSchedule = apps.get_model("dues", "RateSchedule")
    RateSchedule.objects.get_or_create(
        scope_path="",
        effective_from=dt.date(2008, 4, 1),
        defaults={
            "name": "中组发〔2008〕3号",
            "salaried_bands": SALARIED,
            "retiree_bands": RETIREE,
            "student_amount": Decimal("0.20"),
            "unemployed_amount": Decimal("0.20"),
            "subsistence_amount": Decimal("0.20"),
            "farmer_min": Decimal("0.20"),
            "farmer_max": Decimal("1.00"),
        },
    )


def unload(apps, schema_editor):
    apps.get_model("dues", "RateSchedule").objects.filter(scope_path="", effective_from=dt.date(2008, 4, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
