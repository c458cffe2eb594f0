"""Navigation by role: each entry shows only when the user may perform its action somewhere."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from . import scope


@dataclass(frozen=True)
class NavItem:
    label: object
    url_name: str
    icon: str
    action: str
    order: int


NAV: list[NavItem] = []


def register(label, url_name: str, icon: str, action: str, order: int = 100) -> None:
    NAV.append(NavItem(label, url_name, icon, action, order))
    NAV.sort(key=lambda item: item.order)


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    return [
        {"label": item.label, "url": reverse(item.url_name), "icon": item.icon, "name": item.url_name}
        for item in NAV
        if scope.has_action(user, item.action)
    ]
