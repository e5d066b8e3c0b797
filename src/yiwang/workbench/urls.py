from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("workbench/", views.queue, name="queue"),
    path("workbench/intake/", views.intake, name="intake"),
    path("workbench/cases/<str:number>/", views.case_page, name="case"),
    path("workbench/cases/<str:number>/reveal/", views.case_reveal, name="reveal"),
    path("workbench/cases/<str:number>/act/", views.case_act, name="act"),
]
