"""Login by user name or mobile number."""

import re
from collections.abc import Callable

from django.contrib.auth.backends import ModelBackend

from dangjian.core.validators import normalise_mobile

from .models import User

_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# Values other apps want loaded with the request's user in the same query (the navbar's unread
# notification count), so a page pays no extra query for them. Filled in AppConfig.ready().
USER_ANNOTATIONS: dict[str, Callable[[], object]] = {}


def register_user_annotation(name: str, expression: Callable[[], object]) -> None:
    USER_ANNOTATIONS[name] = expression


class UsernameOrMobileBackend(ModelBackend):
    """Authenticates with a user name (case-insensitive) or an 11-digit mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        identifier = username.strip()
        mobile = normalise_mobile(identifier)
        if _MOBILE.match(mobile):
            user = User.objects.filter(mobile=mobile).first()
        else:
            user = User.objects.filter(username__iexact=identifier).first()
        if user is None:
            # Spend the same time hashing as for a real user, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        users = User._default_manager.all()
        if USER_ANNOTATIONS:
            users = users.annotate(**{name: make() for name, make in USER_ANNOTATIONS.items()})
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        return set()  # permissions come only from role assignments (core.scope)

    def get_group_permissions(self, user_obj, obj=None):
        return set()
