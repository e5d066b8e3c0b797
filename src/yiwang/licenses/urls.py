from django.urls import path

from . import views

app_name = "licenses"

urlpatterns = [
    path("licenses/verify/", views.verify_page, name="verify"),
    path("licenses/p/<str:public_id>/", views.presentation_page, name="presentation"),
    path("licenses/check/<str:identifier>/<str:token>/", views.check_page, name="check"),
    path("my/licenses/", views.wallet_page, name="wallet"),
    path("my/licenses/<int:pk>/pdf/", views.license_pdf, name="pdf"),
]
