from django.conf import settings

from . import navigation


def platform(request):
    user = getattr(request, "user", None)
    return {
        "nav_items": navigation.items_for(user) if user is not None else [],
        "elder_mode": getattr(request, "elder_mode", False),
        "crypto_suite": settings.CRYPTO_SUITE,
    }
