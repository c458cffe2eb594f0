from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR_HIGH = "junior_high", _("Junior high school")
    SENIOR_HIGH = "senior_high", _("Senior high school")
    VOCATIONAL = "vocational", _("Vocational school")
    JUNIOR_COLLEGE = "junior_college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class EmploymentForm(models.TextChoices):
    RIDER = "rider", _("Food-delivery rider")
    COURIER = "courier", _("Courier")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", _("Ride-hailing driver")
    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    LIVE_STREAMER = "live_streamer", _("Live streamer")
    PLATFORM_STAFF = "platform_staff", _("Platform staff")
    ASSOCIATION_STAFF = "association_staff", _("Association staff")
    OTHER = "other", _("Other")


class PoliticalStatus(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class MembershipStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    STOPPED = "stopped", _("Membership stopped")
    RESTORED = "restored", _("Membership restored")
    REMOVED = "removed", _("Removed")
    RESIGNED = "resigned", _("Resigned")
    DECEASED = "deceased", _("Deceased")


# Which status changes a branch may record (DOMAIN §3, §3.4).
STATUS_TRANSITIONS = {
    MembershipStatus.NORMAL: {
        MembershipStatus.STOPPED,
        MembershipStatus.REMOVED,
        MembershipStatus.RESIGNED,
        MembershipStatus.DECEASED,
    },
    MembershipStatus.RESTORED: {
        MembershipStatus.STOPPED,
        MembershipStatus.REMOVED,
        MembershipStatus.RESIGNED,
        MembershipStatus.DECEASED,
    },
    MembershipStatus.STOPPED: {MembershipStatus.RESTORED, MembershipStatus.REMOVED, MembershipStatus.DECEASED},
    MembershipStatus.REMOVED: set(),
    MembershipStatus.RESIGNED: set(),
    MembershipStatus.DECEASED: set(),
}
ACTIVE_STATUSES = {MembershipStatus.NORMAL, MembershipStatus.RESTORED}

# The 56 ethnic groups (data, shown as stored).
ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
