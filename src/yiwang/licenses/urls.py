from django.urls import path

from . import views, views_import

app_name = "licenses"

urlpatterns = [
    path("licenses/verify/", views.verify_page, name="verify"),
    path("licenses/p/<str:public_id>/", views.presentation_page, name="presentation"),
    path("licenses/check/<str:identifier>/<str:token>/", views.check_page, name="check"),
    path("my/licenses/", views.wallet_page, name="wallet"),
    path("my/licenses/<int:pk>/pdf/", views.license_pdf, name="pdf"),
    path("workbench/licenses/import/", views_import.import_page, name="import"),
    path("workbench/licenses/import/template.csv", views_import.import_template, name="import_template"),
    path("workbench/licenses/import/<int:pk>/", views_import.import_batch, name="import_batch"),
    path("workbench/licenses/repairs/", views_import.repair_queue, name="repairs"),
    path("workbench/licenses/repairs/<int:pk>/", views_import.repair_page, name="repair"),
]
