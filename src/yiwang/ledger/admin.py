"""Admin: the peer logs this instance witnesses (origin + verifier key); the log itself is read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from . import note
from .models import Checkpoint, WitnessPeer


class WitnessPeerForm(forms.ModelForm):
    class Meta:
        model = WitnessPeer
        fields = ["origin", "verifier_key", "active"]

    def clean_verifier_key(self):
        value = self.cleaned_data["verifier_key"].strip()
        try:
            note.parse_verifier_key(value)
        except note.NoteError as exc:
            raise forms.ValidationError("验证公钥格式应为 name+hex+base64（Ed25519）") from exc
        return value


@admin.register(WitnessPeer)
class WitnessPeerAdmin(admin.ModelAdmin):
    form = WitnessPeerForm
    list_display = ["origin", "active", "size", "updated_at"]
    readonly_fields = ["size", "checkpoint", "updated_at"]


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["size", "key_version", "created_at"]
    readonly_fields = ["size", "note", "key_version", "created_at"]
    exclude = ["root"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
