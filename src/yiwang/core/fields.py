"""Model fields for personal data: stored encrypted by the key service, plain in Python."""

from django.db import models

from . import keys


class EncryptedTextField(models.TextField):
    """Stores `keys.encrypt(value)`; reads back the plain value. Never filter on it: store a
    `keys.lookup_hash` next to it for look-ups."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return keys.decrypt(value)

    def get_prep_value(self, value):
        # Always encrypt: the Python value is the plain one (from_db_value decrypted it), so a
        # plain value that happens to look like a token is still encrypted, never stored raw.
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keys.encrypt(value)
