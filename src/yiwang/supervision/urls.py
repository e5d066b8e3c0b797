from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("supervision/", views.dashboard, name="dashboard"),
    path("supervision/assessments/compute/", views.assessment_compute, name="assessment_compute"),
    path("supervision/assessments/<int:pk>/", views.assessment, name="assessment"),
    path(
        "supervision/assessments/<int:pk>/download.<str:fmt>",
        views.assessment_download,
        name="assessment_download",
    ),
    path("supervision/units/<str:key>/", views.unit, name="unit"),
    path("supervision/units/<str:key>/overdue/", views.overdue, name="overdue"),
    path("supervision/records/", views.records, name="records"),
    path("supervision/records/download.xlsx", views.records_download, name="records_download"),
    path("supervision/tasks/", views.tasks, name="tasks"),
    path("supervision/tasks/new/", views.task_new, name="task_new"),
    path("supervision/tasks/<int:pk>/", views.task, name="task"),
    path("supervision/bulletins/", views.bulletins, name="bulletins"),
    path("supervision/bulletins/<int:pk>/", views.bulletin, name="bulletin"),
    path(
        "supervision/bulletins/<int:pk>/download.<str:fmt>", views.bulletin_download, name="bulletin_download"
    ),
]
