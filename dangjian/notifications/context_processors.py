"""The navbar's unread badge: read with the user's row (no query of its own), once per request."""

from . import selectors


def unread(request):
    return {"notifications_unread": lambda: selectors.badge_count(request)}
