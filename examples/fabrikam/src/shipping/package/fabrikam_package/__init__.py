"""Fabrikam package service: records the packages that deliveries carry.

``PUT /api/packages/{id}`` creates or replaces a package after checking its size class and
weight, ``GET`` reads it back. The store is in memory.
"""

SERVICE = "package"
