from django.urls import path

from . import views, views_devices

app_name = "halls"

urlpatterns = [
    path("halls/", views.hall_list, name="list"),
    path("halls/appointments/", views.my_appointments, name="my_appointments"),
    path("halls/appointments/<int:pk>/", views.appointment, name="appointment"),
    path("halls/q/<str:token>/", views.position, name="position"),
    path("halls/q/<str:token>/print/", views.ticket_print, name="ticket_print"),
    path("halls/<slug:code>/book/", views.book, name="book"),
    path("workbench/halls/", views.windows, name="windows"),
    path("workbench/halls/windows/<int:pk>/", views.terminal, name="terminal"),
    path("workbench/halls/<slug:code>/checkin/", views.checkin, name="checkin"),
    path("workbench/halls/<slug:code>/admin/", views.admin, name="admin"),
    path("workbench/halls/<slug:code>/stats/", views.stats, name="stats"),
    path("workbench/halls/<slug:code>/devices/", views_devices.hall_devices, name="devices"),
]
