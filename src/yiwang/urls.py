from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("yiwang.workbench.urls")),
    path("", include("yiwang.portal.urls")),
]
