from django.urls import path

from . import views

app_name = "bundles"

urlpatterns = [
    path("bundles/", views.bundle_index, name="index"),
    path("bundles/<slug:code>/", views.bundle_guide, name="guide"),
    path("bundles/<slug:code>/start/", views.bundle_start, name="start"),
    path("bundles/<slug:code>/apply/", views.bundle_apply, name="apply"),
    path("my/bundles/", views.my_bundles, name="my_bundles"),
    path("my/bundles/<str:number>/", views.bundle_case_page, name="case"),
]
