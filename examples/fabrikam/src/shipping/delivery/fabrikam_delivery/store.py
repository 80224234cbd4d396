"""Deliveries kept in memory, safe to use from the server's request threads."""

from __future__ import annotations

import threading

from fabrikam_delivery.model import Delivery


class DeliveryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Delivery] = {}

    def put(self, delivery: Delivery) -> bool:
        """Store it; True when it is new, False when it replaced an existing delivery."""
        with self._lock:
            created = delivery.id not in self._items
            self._items[delivery.id] = delivery
            return created

    def get(self, delivery_id: str) -> Delivery | None:
        with self._lock:
            return self._items.get(delivery_id)
