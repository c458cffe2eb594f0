"""Pages: the public nearest-first station list and map, station pages, and management."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import policy, scope
from dangjian.core.forms import run_service

from . import selectors, services
from .choices import AMENITY_ICONS, Amenity, StationKind
from .forms import PhotoForm, StationForm
from .models import Station, StationPhoto


def _coordinate(raw: str, low: float, high: float) -> float | None:
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation:
        return None
    return float(value) if value.is_finite() and low <= value <= high else None


def map_config() -> dict:
    return {
        "tiles": getattr(settings, "DANGJIAN_MAP_TILE_URL", ""),
        "attribution": getattr(settings, "DANGJIAN_MAP_ATTRIBUTION", ""),
    }


def station_list(request):
    """Nearest first from the phone's position or a picked point; works without tiles or JavaScript."""
    lat = _coordinate(request.GET.get("lat", ""), -90, 90)
    lng = _coordinate(request.GET.get("lng", ""), -180, 180)
    if lat is None or lng is None:
        lat = lng = None
    kind = request.GET.get("kind", "")
    kind = kind if kind in StationKind.values else ""
    wanted = [a for a in request.GET.getlist("amenity") if a in Amenity.values]
    open_now = request.GET.get("open") == "1"
    found = selectors.nearest(
        latitude=lat,
        longitude=lng,
        now=timezone.now(),
        kind=kind,
        amenities=wanted,
        open_now=open_now,
        radius_km=policy.value("stations.search_radius_km"),
    )
    markers = [
        {
            "name": f.station.name,
            "lat": float(f.station.latitude),
            "lng": float(f.station.longitude),
            "url": reverse("stations:detail", args=[f.station.pk]),
            "open": f.open_now,
        }
        for f in found
    ]
    return render(
        request,
        "stations/list.html",
        {
            "found": found,
            "lat": lat,
            "lng": lng,
            "kind": kind,
            "wanted": wanted,
            "open_now": open_now,
            "kinds": StationKind,
            "amenities": [(value, label, AMENITY_ICONS[value]) for value, label in Amenity.choices],
            "map": {**map_config(), "markers": markers, "here": [lat, lng] if lat is not None else None},
        },
    )


def station_detail(request, pk):
    station = Station.objects.filter(pk=pk, active=True).select_related("org").first()
    if station is None:
        station = (
            scope.restrict(request.user, "station.view", model=Station).select_related("org").filter(pk=pk).first()
            if request.user.is_authenticated
            else None
        )
        if station is None:
            raise Http404
    amenity_list = [(label, AMENITY_ICONS[value]) for value, label in Amenity.choices if value in station.amenities]
    can_change = request.user.is_authenticated and scope.can(request.user, "station.change", station)
    return render(
        request,
        "stations/detail.html",
        {
            "station": station,
            "photos": list(station.photos.all()),
            "amenity_list": amenity_list,
            "open_now": station.is_open(timezone.now()),
            "can_change": can_change,
            "photo_form": PhotoForm() if can_change else None,
            "map": {
                **map_config(),
                "markers": [{"name": station.name, "lat": float(station.latitude), "lng": float(station.longitude)}],
                "here": None,
            },
        },
    )


def photo(request, pk):
    item = StationPhoto.objects.select_related("station").filter(pk=pk).first()
    if item is None or not (
        item.station.active or (request.user.is_authenticated and scope.can(request.user, "station.view", item.station))
    ):
        raise Http404
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def manage(request):
    scope.require_action(request.user, "station.view")
    return render(
        request,
        "stations/manage.html",
        {
            "stations": selectors.managed(request.user),
            "can_create": scope.has_action(request.user, "station.create"),
            "can_redeem": scope.has_action(request.user, "points.redeem"),
            "can_assist": scope.has_action(request.user, "assist.act"),
        },
    )


def _form_data(form) -> dict:
    return dict(form.cleaned_data)


@login_required
def station_create(request):
    scope.require_action(request.user, "station.create")
    form = StationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        station = run_service(form, lambda: services.station_create(actor=request.user, **_form_data(form)))
        if station is not None:
            messages.success(request, _("Saved."))
            return redirect("stations:detail", pk=station.pk)
    return render(request, "stations/form.html", {"form": form, "station": None})


@login_required
def station_edit(request, pk):
    station = scope.get_in_scope(request.user, "station.view", Station, pk=pk)
    scope.require(request.user, "station.change", station)
    initial = {
        **{f: getattr(station, f) for f in services.FIELDS if f != "manager_id"},
        "open_days": list(station.open_days),
        "org": station.org_id,
        "manager": station.manager_id,
    }
    form = StationForm(request.POST or None, user=request.user, initial=initial)
    if not scope.can(request.user, "station.create", station):
        form.fields["org"].disabled = True
        form.fields["manager"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = _form_data(form)
        if form.fields["org"].disabled:
            data.pop("org")
            data.pop("manager")
        if run_service(form, lambda: services.station_update(actor=request.user, station=station, **data)):
            messages.success(request, _("Saved."))
            return redirect("stations:detail", pk=station.pk)
    return render(request, "stations/form.html", {"form": form, "station": station})


@login_required
@require_POST
def photo_add(request, pk):
    station = scope.get_in_scope(request.user, "station.view", Station, pk=pk)
    scope.require(request.user, "station.change", station)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form, lambda: services.station_photo_add(actor=request.user, station=station, **form.cleaned_data)
    ):
        messages.success(request, _("The photo was added."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("stations:detail", pk=station.pk)


@login_required
@require_POST
def photo_delete(request, pk):
    item = scope.get_in_scope(request.user, "station.view", StationPhoto, pk=pk)
    services.station_photo_delete(actor=request.user, photo=item)
    messages.success(request, _("The photo was removed."))
    return redirect("stations:detail", pk=item.station_id)


def hub(request):
    """The workers' entrance (线上有入口): big tiles, few taps, no login needed for the first three."""
    return render(request, "stations/hub.html")
