from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinutesConfig(AppConfig):
    name = "dangjian.minutes"
    label = "minutes"
    verbose_name = _("Meeting minutes")

    def ready(self) -> None:
        from dangjian.accounts.choices import Role as R
        from dangjian.accounts.choices import TokenScope as T
        from dangjian.core import scope

        from .models import Minutes, MinutesAttachment, MinutesCorrection, MinutesPhoto

        scope.register_scoped_model(Minutes, "meeting__org__path")
        scope.register_scoped_model(MinutesPhoto, "minutes__meeting__org__path")
        scope.register_scoped_model(MinutesAttachment, "minutes__meeting__org__path")
        scope.register_scoped_model(MinutesCorrection, "minutes__meeting__org__path")
        scope.register_action(
            "minutes.view",
            T.MEETINGS_READ,
            _("Read meeting minutes"),
            [R.ORG_ADMIN, R.SECRETARY, R.COMMITTEE_MEMBER],
        )
        # The meeting's own recorder may write its minutes without this role (services check both).
        scope.register_action(
            "minutes.write",
            T.MEETINGS_WRITE,
            _("Write and correct meeting minutes"),
            [R.SECRETARY, R.COMMITTEE_MEMBER],
        )
