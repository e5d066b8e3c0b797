from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("my/identity/", views.my_code, name="my_code"),
    path("my/identity/revoke/", views.my_revoke, name="my_revoke"),
    path("workbench/identity/", views.verify_page, name="verify"),
]
