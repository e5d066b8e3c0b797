"""Celery application. Embedded mode uses the database as broker (kombu's SQLAlchemy transport);
production uses Redis or RabbitMQ via CELERY_BROKER_URL."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

app = Celery("yiwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
