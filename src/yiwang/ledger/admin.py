"""Admin: the peer logs this instance witnesses (origin + verifier key); the log itself is read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from . import note
from .models import Checkpoint, Witness, WitnessPeer


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


class WitnessForm(forms.ModelForm):
    url = forms.URLField(label="add-checkpoint 地址", max_length=500, assume_scheme="https")

    class Meta:
        model = Witness
        fields = ["name", "url", "verifier_key", "active"]

    def clean(self):
        data = super().clean()
        value = (data.get("verifier_key") or "").strip()
        try:
            name, _ = note.parse_witness_key(value)
        except note.NoteError as exc:
            raise forms.ValidationError(
                {"verifier_key": "验证公钥格式应为 name+hex+base64（Ed25519）"}
            ) from exc
        if data.get("name") and name != data["name"]:
            raise forms.ValidationError({"verifier_key": "验证公钥中的名称与见证方名称不一致"})
        data["verifier_key"] = value
        return data


@admin.register(Witness)
class WitnessAdmin(admin.ModelAdmin):
    form = WitnessForm
    list_display = ["name", "url", "active", "size", "last_error", "last_attempt_at"]
    readonly_fields = ["size", "last_error", "last_attempt_at"]
