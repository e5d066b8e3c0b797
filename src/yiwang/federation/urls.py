from django.urls import path

from . import pages, views

app_name = "federation"

urlpatterns = [
    path("workbench/federation/messages/", views.message_list, name="messages"),
    path("workbench/federation/messages/<int:message_id>/", views.message_detail, name="message"),
    path("workbench/tongban/paper/", views.paper_results, name="paper_results"),
    # the citizen's pages (pages.py)
    path("tongban/", pages.items, name="items"),
    path("tongban/<str:peer>/<str:code>/apply/", pages.apply, name="apply"),
    path("my/tongban/", pages.my_cases, name="my_cases"),
    path("my/tongban/joint/<str:number>/", pages.joint_case, name="joint_case"),
    path("my/tongban/<str:number>/", pages.case, name="case"),
]
