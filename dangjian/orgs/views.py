"""Pages: the organisation tree, organisation detail and edits, host entities, coverage."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import NotFoundError
from dangjian.core.forms import page_of, run_service

from . import selectors, services
from .choices import EntityKind, FieldCategory, Industry, OrgKind
from .forms import EntityForm, InstructorForm, LinkForm, OrgForm, OrgMoveForm
from .models import HostEntity, InstructorAssignment, OrgEntityLink, PartyOrganisation


def _org(request, pk, action="org.view") -> PartyOrganisation:
    if not str(pk).isdigit():  # a mangled ?parent= is "not found", not a server error
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=pk)
    scope.require(request.user, action, org)  # visible but not allowed: 403, as in the API
    return org


@login_required
def tree(request):
    scope.require_action(request.user, "org.view")
    q = request.GET.get("q", "").strip()
    context = {
        "q": q,
        "roots": list(selectors.scope_roots(request.user)),
        "can_create": scope.has_action(request.user, "org.create"),
    }
    if q:
        results = page_of(request, selectors.org_list(request.user, q=q), 30)
        visible = scope.scope_for(request.user, "org.view")
        # Trails name only ancestors the user may see, like the breadcrumb.
        ancestors = {p: o for p, o in selectors.ancestors_map(list(results)).items() if visible.covers(p)}
        step = PartyOrganisation.steplen
        context["results"] = results
        context["trails"] = [
            (
                org,
                " › ".join(
                    ancestors[org.path[:i]].name for i in range(step, len(org.path), step) if org.path[:i] in ancestors
                ),
            )
            for org in results
        ]
    return render(request, "orgs/tree.html", context)


@login_required
def children(request, pk):
    org = _org(request, pk)
    kids = selectors.org_list(request.user, parent=org)
    return render(request, "orgs/_tree_children.html", {"nodes": kids, "parent": org})


@login_required
def picker(request):
    """Search results for the organisation picker widget (htmx)."""
    action = request.GET.get("action", "org.view")
    if action not in scope.actions():
        action = "org.view"
    q = request.GET.get("q", "").strip()
    results = (
        list(
            scope.restrict(request.user, action, model=PartyOrganisation)
            .filter(name__icontains=q)
            .order_by("depth", "path")[:15]
        )
        if q
        else []
    )
    return render(
        request,
        "orgs/widgets/_picker_results.html",
        {"results": results, "name": request.GET.get("name", "org"), "q": q},
    )


@login_required
def detail(request, pk):
    org = _org(request, pk)
    links = list(org.entity_links.select_related("entity").order_by("entity__name"))
    context = {
        "org": org,
        "breadcrumb": selectors.breadcrumb(request.user, org),
        "children": list(selectors.org_list(request.user, parent=org)),
        "links": links,
        "warnings": selectors.org_warnings(org, served_entities=len(links)),
        "can_change": scope.can(request.user, "org.change", org),
        "can_create": scope.can(request.user, "org.create", org),
        "can_move": scope.can(request.user, "org.move", org) and org.depth > 1,
        "coverage": None,
    }
    if scope.can(request.user, "coverage.view", org):
        context["coverage"], context["coverage_at"] = selectors.coverage_summary(request.user, org)
    return render(request, "orgs/detail.html", context)


@login_required
def create(request):
    parent = _org(request, request.GET.get("parent") or request.POST.get("parent") or 0, "org.create")
    form = OrgForm(
        request.POST or None,
        initial={
            "category": parent.category,
            "kind": OrgKind.BRANCH if parent.kind != OrgKind.BRANCH else OrgKind.GROUP,
        },
    )
    if request.method == "POST" and form.is_valid():
        org = run_service(form, lambda: services.org_create(actor=request.user, parent=parent, **form.cleaned_data))
        if org is not None:
            messages.success(request, _("%(name)s was created.") % {"name": org.name})
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": parent, "title": _("New organisation")})


@login_required
def edit(request, pk):
    org = _org(request, pk, "org.change")
    form = OrgForm(request.POST or None, initial=OrgForm.initial_from(org))
    if request.method == "POST" and form.is_valid():
        updated = run_service(form, lambda: services.org_update(actor=request.user, org=org, **form.cleaned_data))
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/form.html", {"form": form, "org": org, "title": _("Edit organisation")})


@login_required
def move(request, pk):
    org = _org(request, pk, "org.move")
    form = OrgMoveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        moved = run_service(
            form, lambda: services.org_move(actor=request.user, org=org, new_parent=form.cleaned_data["parent"])
        )
        if moved is not None:
            messages.success(
                request,
                _("%(name)s now sits under %(parent)s.")
                % {"name": org.name, "parent": form.cleaned_data["parent"].name},
            )
            return redirect("orgs:detail", pk=org.pk)
    return render(
        request, "orgs/move.html", {"form": form, "org": org, "breadcrumb": selectors.breadcrumb(request.user, org)}
    )


# --- Host entities -------------------------------------------------------------------------------------

ENTITY_FILTERS = ("q", "category", "kind", "industry", "covered", "under")


@login_required
def entity_list(request):
    scope.require_action(request.user, "entity.view")
    params = {key: request.GET.get(key, "").strip() for key in ENTITY_FILTERS}
    under = _org(request, params["under"]) if params["under"].isdigit() else None
    entities = selectors.entity_list(
        request.user,
        q=params["q"],
        category=params["category"] if params["category"] in FieldCategory.values else "",
        kind=params["kind"] if params["kind"] in EntityKind.values else "",
        industry=params["industry"] if params["industry"] in Industry.values else "",
        covered=params["covered"],
        under=under,
    )
    query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "orgs/entity_list.html",
        {
            "page": page_of(request, entities),
            "params": params,
            "under": under,
            "query": query,
            "categories": [c for c in FieldCategory if c != FieldCategory.COMPREHENSIVE],
            "kinds": EntityKind,
            "industries": Industry,
            "can_create": scope.has_action(request.user, "entity.create"),
        },
    )


def _entity(request, pk) -> HostEntity:
    entity = (
        selectors.entities_with_coverage(
            scope.restrict(request.user, "entity.view", model=HostEntity).select_related("owner_org", "parent_entity")
        )
        .filter(pk=pk)
        .first()
    )
    if entity is None:
        scope.get_in_scope(request.user, "entity.view", HostEntity, pk=pk)
    return entity


@login_required
def entity_detail(request, pk):
    entity = _entity(request, pk)
    can_cover = scope.can(request.user, "coverage.change", entity)
    return render(
        request,
        "orgs/entity_detail.html",
        {
            "entity": entity,
            "links": list(entity.org_links.select_related("org").order_by("org__path")),
            "instructors": list(entity.instructors.select_related("assigned_by")),
            "can_change": scope.can(request.user, "entity.change", entity),
            "can_cover": can_cover,
            "link_form": LinkForm(user=request.user) if can_cover else None,
            "instructor_form": InstructorForm(user=request.user) if can_cover else None,
        },
    )


@login_required
def entity_create(request):
    scope.require_action(request.user, "entity.create")
    initial = {"owner_org": request.GET.get("owner")} if request.GET.get("owner", "").isdigit() else {}
    form = EntityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        entity = run_service(form, lambda: services.entity_create(actor=request.user, **data))
        if entity is not None:
            messages.success(request, _("%(name)s was registered.") % {"name": entity.name})
            return redirect("orgs:entity_detail", pk=entity.pk)
    return render(request, "orgs/entity_form.html", {"form": form, "title": _("Register a host entity")})


@login_required
def entity_edit(request, pk):
    entity = _entity(request, pk)
    scope.require(request.user, "entity.change", entity)
    initial = {name: getattr(entity, name) for name in EntityForm.base_fields}
    initial.update(owner_org=entity.owner_org_id, parent_entity=entity.parent_entity_id)
    form = EntityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        updated = run_service(form, lambda: services.entity_update(actor=request.user, entity=entity, **data))
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("orgs:entity_detail", pk=entity.pk)
    return render(request, "orgs/entity_form.html", {"form": form, "entity": entity, "title": _("Edit host entity")})


@login_required
@require_POST
def entity_link(request, pk):
    entity = _entity(request, pk)
    scope.require(request.user, "coverage.change", entity)
    form = LinkForm(request.POST, user=request.user)
    if (
        form.is_valid()
        and run_service(
            form, lambda: services.coverage_link(actor=request.user, org=form.cleaned_data["org"], entity=entity)
        )
        is not None
    ):
        messages.success(request, _("Coverage recorded."))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("orgs:entity_detail", pk=entity.pk)


@login_required
@require_POST
def entity_unlink(request, pk, link_pk):
    entity = _entity(request, pk)
    scope.require(request.user, "coverage.change", entity)
    link = OrgEntityLink.objects.select_related("org", "entity__owner_org").filter(pk=link_pk, entity=entity).first()
    if link is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    services.coverage_unlink(actor=request.user, link=link)
    messages.success(request, _("Coverage removed."))
    return redirect("orgs:entity_detail", pk=entity.pk)


@login_required
@require_POST
def instructor_assign(request, pk):
    entity = _entity(request, pk)
    scope.require(request.user, "coverage.change", entity)
    form = InstructorForm(request.POST, user=request.user)
    if (
        form.is_valid()
        and run_service(
            form, lambda: services.instructor_assign(actor=request.user, entity=entity, **form.cleaned_data)
        )
        is not None
    ):
        messages.success(request, _("Instructor assigned."))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("orgs:entity_detail", pk=entity.pk)


@login_required
@require_POST
def instructor_end(request, pk):
    assignment = scope.get_in_scope(request.user, "entity.view", InstructorAssignment, pk=pk)
    services.instructor_end(actor=request.user, assignment=assignment)
    messages.success(request, _("Assignment ended."))
    return redirect("orgs:entity_detail", pk=assignment.entity_id)


@login_required
def coverage(request):
    scope.require_action(request.user, "coverage.view")
    under_id = request.GET.get("under", "")
    under = _org(request, under_id, "coverage.view") if under_id.isdigit() else None
    return render(
        request,
        "orgs/coverage.html",
        {
            "report": selectors.coverage_report(request.user, under),
            "under": under,
            "roots": list(selectors.scope_roots(request.user, "coverage.view")),
        },
    )
