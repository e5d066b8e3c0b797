from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("rate/device/<str:token>/", views.device_page, name="device"),
    path("rate/sms/<str:token>/", views.sms_page, name="sms"),
    path("rate/case/<str:number>/", views.rate_page, name="rate"),
    path("evaluations/public/", views.public_page, name="public"),
    path("workbench/evaluations/", views.dashboard, name="dashboard"),
    path("workbench/evaluations/orders/<int:pk>/", views.order_page, name="order"),
    path("workbench/evaluations/hotline/", views.hotline_page, name="hotline"),
    path("workbench/evaluations/ratings/", views.ratings_page, name="ratings"),
]
