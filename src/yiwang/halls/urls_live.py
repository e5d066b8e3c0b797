"""URLs of the live side of halls (live.py, the terminals page): included by the project urls."""

from django.urls import path

from . import live, terminals

app_name = "live"

urlpatterns = [
    path("halls/speech.wav", live.speech_wav, name="speech"),
    path("halls/<slug:code>/display/", live.display_page, name="display"),
    path("halls/terminals/", terminals.terminals_page, name="terminals"),
]
