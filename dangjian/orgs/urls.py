from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("pick", views.picker, name="picker"),
    path("new", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children", views.children, name="children"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/move", views.move, name="move"),
    path("entities/", views.entity_list, name="entities"),
    path("entities/new", views.entity_create, name="entity_create"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("entities/<int:pk>/edit", views.entity_edit, name="entity_edit"),
    path("entities/<int:pk>/link", views.entity_link, name="entity_link"),
    path("entities/<int:pk>/unlink/<int:link_pk>", views.entity_unlink, name="entity_unlink"),
    path("entities/<int:pk>/instructors", views.instructor_assign, name="instructor_assign"),
    path("instructors/<int:pk>/end", views.instructor_end, name="instructor_end"),
    path("coverage/", views.coverage, name="coverage"),
]
