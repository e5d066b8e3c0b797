import base64

from django import forms
from django.contrib import admin

from . import services
from .models import InboundCase, OutboundCase, Peer, PeerMessage


class PeerForm(forms.ModelForm):
    """Pairing on the admin page: the keys from the peer's card, typed in base64 (out of band)."""

    base_url = forms.URLField(label="地址", max_length=200, required=False, assume_scheme="https")
    public_key_b64 = forms.CharField(label="消息签名公钥（base64）", required=False)
    ledger_key_b64 = forms.CharField(label="台账检查点公钥（base64）", required=False)

    class Meta:
        model = Peer
        fields = ["code", "name", "base_url", "key_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["public_key_b64"].initial = base64.b64encode(bytes(self.instance.public_key)).decode()
            self.fields["ledger_key_b64"].initial = base64.b64encode(bytes(self.instance.ledger_key)).decode()


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    form = PeerForm
    list_display = ["code", "name", "base_url", "status", "paired_at"]
    readonly_fields = ["status", "paired_at", "items_fetched_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if data.get("key_id") and data.get("public_key_b64"):
            services.peer_pair(
                code=obj.code,
                name=obj.name,
                base_url=obj.base_url,
                key_id=data["key_id"],
                public_key=data["public_key_b64"],
                ledger_key=data.get("ledger_key_b64") or "",
            )
        else:
            services.peer_register(code=obj.code, name=obj.name, base_url=obj.base_url)
        obj.pk = Peer.objects.get(code=obj.code).pk


@admin.register(PeerMessage)
class PeerMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "direction", "peer_code", "kind", "case_ref", "status", "reason_code"]
    list_filter = ["direction", "status", "peer_code"]
    search_fields = ["case_ref", "idempotency_key"]
    exclude = ["body"]  # personal data: the message log page shows it masked

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(OutboundCase)
admin.site.register(InboundCase)
