"""Packages kept in memory, safe to use from the server's request threads."""

from __future__ import annotations

import threading

from fabrikam_package.model import Package


class PackageStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Package] = {}

    def put(self, package: Package) -> bool:
        """Store it; True when it is new, False when it replaced an existing package."""
        with self._lock:
            created = package.id not in self._items
            self._items[package.id] = package
            return created

    def get(self, package_id: str) -> Package | None:
        with self._lock:
            return self._items.get(package_id)
