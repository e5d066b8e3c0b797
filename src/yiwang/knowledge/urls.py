from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.ask_page, name="ask"),
    path("knowledge/guide/<str:kind>/<str:code>/", views.guide_page, name="guide"),
    path("knowledge/questions/new/", views.question_page, name="question"),
    path("knowledge/questions/mine/", views.my_questions, name="my_questions"),
    path("workbench/knowledge/", views.staff_page, name="staff"),
    path("workbench/knowledge/articles/", views.articles_page, name="articles"),
    path("workbench/knowledge/articles/<str:code>/edit/", views.article_edit, name="article_edit"),
    path("workbench/knowledge/articles/<str:code>/actions/", views.article_action, name="article_action"),
    path("workbench/knowledge/questions/<str:number>/answer/", views.staff_answer, name="answer"),
]
