from django.urls import path

from . import views

app_name = "halls"

urlpatterns = [
    path("halls/", views.hall_list, name="list"),
]
