from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("workbench/projects/", views.index, name="index"),
    path("workbench/projects/new/", views.new, name="new"),
    path("workbench/projects/<str:code>/", views.detail, name="detail"),
    path("workbench/projects/<str:code>/documents/<int:pk>/", views.document, name="document"),
    path("workbench/data-ledger/", views.ledger, name="ledger"),
    path("workbench/data-ledger/catalogue.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("workbench/data-ledger/catalogue.ttl", views.ledger_ttl, name="ledger_ttl"),
    path("workbench/data-ledger/cdo/", views.cdo, name="cdo"),
]
