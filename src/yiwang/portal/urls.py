from django.urls import path, re_path

from . import kiosk, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/unlock/", views.login_unlock_view, name="login_unlock"),
    path("login/oidc/", views.oidc_login, name="oidc_login"),
    path("login/oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path("logout/", views.logout_view, name="logout"),
    path("prefs/", views.prefs, name="prefs"),
    path("items/<str:code>/", views.item_guide, name="item"),
    path("items/<str:code>/apply/", views.apply, name="apply"),
    path("my/cases/", views.my_cases, name="my_cases"),
    path("my/cases/<str:number>/", views.case_page, name="case"),
    path("my/cases/<str:number>/edit/", views.draft_edit, name="draft_edit"),
    re_path(
        r"^cases/(?P<number>[^/]+)/notices/(?P<notice>[^/]+)\.(?P<fmt>html|pdf)$",
        views.notice_file,
        name="notice",
    ),
    path("cases/<str:number>/materials/<int:pk>/", views.material_file, name="material"),
    path("notices/verify/", views.notice_verify, name="notice_verify"),
    path("elder/callback/", views.callback, name="callback"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    # kiosk mode of self-service terminals (kiosk.py)
    path("kiosk/", kiosk.kiosk_home, name="kiosk_home"),
    path("kiosk/pair/", kiosk.kiosk_pair, name="kiosk_pair"),
    path("kiosk/login/", kiosk.kiosk_login, name="kiosk_login"),
    path("kiosk/login/code/", kiosk.kiosk_login_code, name="kiosk_login_code"),
    path("kiosk/logout/", kiosk.kiosk_logout, name="kiosk_logout"),
    path("kiosk/ticket/", kiosk.kiosk_ticket, name="kiosk_ticket"),
    path("kiosk/cases/", kiosk.kiosk_cases, name="kiosk_cases"),
    path("kiosk/ask/", kiosk.kiosk_ask, name="kiosk_ask"),
    path("kiosk/cases/<str:number>/receipt/", kiosk.kiosk_receipt, name="kiosk_receipt"),
]
