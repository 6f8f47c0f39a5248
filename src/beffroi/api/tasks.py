from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from beffroi.api.models import WebhookDelivery
from beffroi.api.services import webhook_deliveries_due, webhook_delivery_attempt


@db_task()
def webhook_deliver(delivery_id: int) -> None:
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(id=delivery_id).first()
    if delivery is not None:
        webhook_delivery_attempt(delivery=delivery)


@db_periodic_task(crontab(minute="*"))
def webhook_retry_due() -> None:
    """Retries failed deliveries whose backoff has elapsed (also recovers after a worker crash)."""
    for delivery_id in webhook_deliveries_due():
        webhook_deliver.call_local(delivery_id)
