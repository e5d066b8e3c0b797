from django.urls import path

from . import views_systems

app_name = "docking_systems"

urlpatterns = [
    path("workbench/department-systems/pushes/", views_systems.push_list, name="pushes"),
    path(
        "workbench/department-systems/pushes/<int:message_id>/retry/",
        views_systems.push_retry,
        name="push_retry",
    ),
]
