from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "dangjian.stations"
    label = "stations"
    verbose_name = _("Service stations")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import navigation, policy, scope

        from .models import Station, StationPhoto

        scope.register_scoped_model(Station, "org__path")
        scope.register_scoped_model(StationPhoto, "station__org__path")
        scope.register_action(
            "station.view",
            T.SERVICES_READ,
            _("View the stations you manage"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER, R.STATION_MANAGER],
        )
        scope.register_action("station.create", T.SERVICES_WRITE, _("Set up stations"), [R.ORG_ADMIN, R.SECRETARY])
        scope.register_action(
            "station.change",
            T.SERVICES_WRITE,
            _("Keep a station's data current"),
            [R.ORG_ADMIN, R.SECRETARY, R.STATION_MANAGER],
        )
        policy.register(
            "stations.search_radius_km", 30, _("Radius of the nearest-station search (km)"), minimum=1, maximum=500
        )
        navigation.register(_("Stations"), "stations:manage", "geo-alt", "station.view", order=35)
