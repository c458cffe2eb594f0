from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    GROUP = "group", _("Party group")


class SpecialType(models.TextChoices):
    STANDARD = "standard", _("Standard")
    JOINT = "joint", _("Joint")
    INDUSTRY = "industry", _("Industry")
    PLATFORM = "platform", _("Platform")
    REGIONAL = "regional", _("Regional")
    TEMPORARY = "temporary", _("Temporary")
    CLOUD = "cloud", _("Cloud")


class FieldCategory(models.TextChoices):
    NEW_ECONOMIC = "new_economic", _("New economic organisations")
    NEW_SOCIAL = "new_social", _("New social organisations")
    NEW_EMPLOYMENT = "new_employment", _("New employment groups")
    COMPREHENSIVE = "comprehensive", _("Comprehensive")


class EntityKind(models.TextChoices):
    PLATFORM_COMPANY = "platform_company", _("Platform company")
    DIGITAL_FIRM = "digital_firm", _("Digital-economy firm")
    OTHER_ENTERPRISE = "other_enterprise", _("Other enterprise")
    ASSOCIATION = "association", _("Association")
    FOUNDATION = "foundation", _("Foundation")
    SOCIAL_SERVICE = "social_service", _("Social-service organisation")
    WORKER_GROUP = "worker_group", _("Group of new-employment workers")


ENTITY_CATEGORY = {
    EntityKind.PLATFORM_COMPANY: FieldCategory.NEW_ECONOMIC,
    EntityKind.DIGITAL_FIRM: FieldCategory.NEW_ECONOMIC,
    EntityKind.OTHER_ENTERPRISE: FieldCategory.NEW_ECONOMIC,
    EntityKind.ASSOCIATION: FieldCategory.NEW_SOCIAL,
    EntityKind.FOUNDATION: FieldCategory.NEW_SOCIAL,
    EntityKind.SOCIAL_SERVICE: FieldCategory.NEW_SOCIAL,
    EntityKind.WORKER_GROUP: FieldCategory.NEW_EMPLOYMENT,
}

# Which organisation kinds may sit directly under which.
ALLOWED_CHILD_KINDS = {
    OrgKind.COMMITTEE: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH},
    OrgKind.GENERAL_BRANCH: {OrgKind.BRANCH},
    OrgKind.BRANCH: {OrgKind.GROUP},
    OrgKind.GROUP: set(),
}


class Industry(models.TextChoices):
    INTERNET = "internet", _("Internet and software")
    LOGISTICS = "logistics", _("Express delivery and logistics")
    FOOD_DELIVERY = "food_delivery", _("Food delivery")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing and transport")
    LIVE_STREAMING = "live_streaming", _("Live streaming and media")
    RETAIL = "retail", _("Retail and e-commerce")
    BUSINESS_SERVICES = "business_services", _("Business services")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    FINANCE = "finance", _("Finance")
    EDUCATION = "education", _("Education and training")
    HEALTH = "health", _("Health and elderly care")
    COMMUNITY_SERVICES = "community_services", _("Community and social services")
    CHARITY = "charity", _("Charity and public welfare")
    TRADE_ASSOCIATION = "trade_association", _("Trade and professional associations")
    OTHER = "other", _("Other")
