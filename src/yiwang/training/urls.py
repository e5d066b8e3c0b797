from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("workbench/training/", views.index, name="index"),
    path("workbench/training/courses/<int:course_id>/", views.course, name="course"),
    path("workbench/training/exams/<int:exam_id>/start/", views.exam_start, name="exam_start"),
    path("workbench/training/exams/<int:exam_id>/statistics/", views.statistics, name="statistics"),
    path("workbench/training/attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("workbench/training/attempts/<int:attempt_id>/result/", views.result, name="result"),
    path("workbench/training/marking/", views.marking, name="marking"),
    path("workbench/training/bank/", views.bank, name="bank"),
    path("workbench/training/bank/export.<str:fmt>", views.bank_export, name="bank_export"),
    path("workbench/training/certifications/", views.certifications, name="certifications"),
    path("workbench/training/competitions/<int:competition_id>/", views.competition, name="competition"),
]
