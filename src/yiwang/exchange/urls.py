from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("exchange/", views.catalogue, name="catalogue"),
    path("exchange/catalogue.xlsx", views.catalogue_export, name="catalogue_export"),
    path("exchange/resources/<str:code>/", views.resource_page, name="resource"),
    path("exchange/agreements/", views.agreements_page, name="agreements"),
    path("exchange/agreements/<int:agreement_id>/", views.agreement_page, name="agreement"),
    path("exchange/records/", views.department_records, name="department_records"),
    path("my/data/consents/", views.my_consents, name="my_consents"),
    path("my/data/records/", views.my_records, name="my_records"),
]
