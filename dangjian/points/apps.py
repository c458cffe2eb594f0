from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "dangjian.points"
    label = "points"
    verbose_name = _("Volunteer points")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import policy, scope

        scope.register_action(
            "points.redeem",
            T.SERVICES_WRITE,
            _("Redeem volunteer points at a station"),
            [R.ORG_ADMIN, R.SECRETARY, R.STATION_MANAGER],
        )
        scope.register_action("points.correct", T.SERVICES_WRITE, _("Correct volunteer points"), [R.ORG_ADMIN])
        policy.register(
            "points.daily_cap", 30, _("Most volunteer points a worker can earn in a day"), minimum=1, maximum=1000
        )
        policy.register("points.report_closed", 5, _("Points for a report that was closed"), minimum=0, maximum=100)
