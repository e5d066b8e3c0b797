from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("ledger/verify/", views.verify_page, name="verify"),
]
