from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("catalog/claims/", views.claims_index, name="claims"),
    path("catalog/claims/standard/<int:standard_id>/", views.claim_new, name="claim_new"),
    path("catalog/claims/changes/<int:change_id>/", views.change_page, name="change"),
]
