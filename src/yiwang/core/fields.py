"""Model fields for personal data: stored encrypted by the key service, plain in Python."""

import json

from django.db import models


def _keys():
    # imported when first used: the key service's own models live in core.models, which uses
    # these fields
    from . import keys

    return keys


class EncryptedTextField(models.TextField):
    """Stores `keys.encrypt(value)`; reads back the plain value. Never filter on it: store a
    `keys.lookup_hash` next to it for look-ups."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return _keys().decrypt(value)

    def get_prep_value(self, value):
        # Always encrypt: the Python value is the plain one (from_db_value decrypted it), so a
        # plain value that happens to look like a token is still encrypted, never stored raw.
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return _keys().encrypt(value)


class EncryptedJSONField(models.TextField):
    """A JSON value (dict, list…) stored as `keys.encrypt(json)`; plain in Python. Never filter on
    it. For messages that may carry personal data (the outbox: another city's case with the
    applicant's ID number)."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return json.loads(_keys().decrypt(value))

    def to_python(self, value):
        if isinstance(value, str) and value:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return _keys().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
