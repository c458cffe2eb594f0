from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = _("Snap and report")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        from .models import Grid, Report, ReportPhoto

        scope.register_scoped_model(Grid, "org__path")
        scope.register_scoped_model(Report, "org__path")
        scope.register_scoped_model(ReportPhoto, "report__org__path")
        scope.register_action(
            "report.view",
            T.SERVICES_READ,
            _("View reports of public problems"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER, R.STATION_MANAGER],
        )
        scope.register_action(
            "report.handle", T.SERVICES_WRITE, _("Handle reports of public problems"), [R.ORG_ADMIN, R.SECRETARY]
        )
        scope.register_action("grid.manage", T.SERVICES_WRITE, _("Draw grids"), [R.ORG_ADMIN])
        policy.register(
            "reports.duplicate_radius_m",
            50,
            _("Reports this close (m) of the same kind are linked"),
            minimum=5,
            maximum=1000,
        )
        policy.register(
            "reports.duplicate_days",
            7,
            _("Reports within this many days of the same kind are linked"),
            minimum=1,
            maximum=90,
        )
        navigation.register(_("Reports"), "reports:list", "camera", "report.view", order=32)
