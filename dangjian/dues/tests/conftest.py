import pytest


@pytest.fixture(autouse=True)
def _national_rules(db):
    """The 2008 rules come from a data migration; a transactional test's flush removes them."""
    from dangjian.dues.models import RateSchedule

    if not RateSchedule.objects.filter(scope_path="").exists():
        from importlib import import_module

        from django.apps import apps

        import_module("dangjian.dues.migrations.0002_national_rules_2008").load(apps, None)
