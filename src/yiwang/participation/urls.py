from django.urls import path

from . import views

app_name = "participation"

urlpatterns = [
    path("participation/", views.index, name="index"),
    path("participation/new/", views.propose, name="propose"),
    path("participation/<str:number>/", views.detail, name="detail"),
    path("workbench/participation/", views.workbench, name="workbench"),
    path("workbench/participation/missions/", views.missions_page, name="missions"),
    path("workbench/participation/missions/<str:number>/", views.mission_page, name="mission"),
    path("workbench/participation/<str:number>/", views.answer_page, name="answer"),
]
