"""Halls endpoints of API.md (预约叫号): halls, business types, slots, appointments, tickets,
windows and their calls, the public display state and the statistics."""

from __future__ import annotations

from ninja import Router

from yiwang.accounts.auth import api_auth

router = Router(tags=["halls"], auth=api_auth)
