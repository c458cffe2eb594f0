from django.db import models
from django.utils.translation import gettext_lazy as _


class StationKind(models.TextChoices):
    RIDER_STATION = "rider_station", _("Rider station (小哥驿站)")
    WARM_STATION = "warm_station", _("Warm station (暖新驿站)")
    SERVICE_STATION = "service_station", _("Party-masses service station")
    CANTEEN = "canteen", _("Rider canteen")


class Amenity(models.TextChoices):
    WATER = "water", _("Drinking water")
    CHARGING = "charging", _("Charging")
    MICROWAVE = "microwave", _("Microwave")
    REST = "rest", _("Rest")
    TOILET = "toilet", _("Toilet")
    FIRST_AID = "first_aid", _("First aid")
    UMBRELLA = "umbrella", _("Umbrella")
    STORAGE = "storage", _("Storage")
    CANTEEN = "canteen", _("Canteen")
    ADVICE = "advice", _("Legal, HR and social-security advice")


AMENITY_ICONS = {
    "water": "cup-straw",
    "charging": "lightning-charge",
    "microwave": "fire",
    "rest": "cup-hot",
    "toilet": "badge-wc",
    "first_aid": "bandaid",
    "umbrella": "umbrella",
    "storage": "box-seam",
    "canteen": "egg-fried",
    "advice": "chat-square-text",
}
