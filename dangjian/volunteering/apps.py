from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "dangjian.volunteering"
    label = "volunteering"
    verbose_name = _("Volunteer activities")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, scope

        from .models import Activity

        scope.register_scoped_model(Activity, "org__path")
        scope.register_action(
            "activity.manage",
            T.SERVICES_WRITE,
            _("Organise volunteer activities and check volunteers in"),
            [R.ORG_ADMIN, R.SECRETARY, R.STATION_MANAGER],
        )
        navigation.register(_("Volunteer activities"), "volunteering:manage", "heart", "activity.manage", order=38)
