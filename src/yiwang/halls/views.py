"""Pages of the halls app: booking (citizens), the window terminal, check-in, administration and
statistics (staff), and the phone queue-position page (public, by the ticket's link)."""

from __future__ import annotations

from django.shortcuts import render

from . import selectors


def hall_list(request):
    return render(request, "halls/hall_list.html", {"halls": selectors.halls_public()})
