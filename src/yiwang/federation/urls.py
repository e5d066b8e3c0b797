from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("workbench/federation/messages/", views.message_list, name="messages"),
    path("workbench/federation/messages/<int:message_id>/", views.message_detail, name="message"),
]
