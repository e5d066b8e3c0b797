from django.urls import path

from . import outbox_views, procedure_views, views

app_name = "workbench"

urlpatterns = [
    path("workbench/", views.queue, name="queue"),
    path("workbench/intake/", views.intake, name="intake"),
    path("workbench/cases/<str:number>/", views.case_page, name="case"),
    path("workbench/cases/<str:number>/reveal/", views.case_reveal, name="reveal"),
    path("workbench/cases/<str:number>/act/", views.case_act, name="act"),
    path("workbench/verifications/", procedure_views.verifications, name="verifications"),
    path("workbench/dishonesty/", procedure_views.dishonesty, name="dishonesty"),
    path("workbench/outbox/", outbox_views.outbox_list, name="outbox"),
    path("workbench/outbox/<int:message_id>/", outbox_views.outbox_message, name="outbox_message"),
    path("workbench/outbox/<int:message_id>/act/", outbox_views.outbox_act, name="outbox_act"),
]
