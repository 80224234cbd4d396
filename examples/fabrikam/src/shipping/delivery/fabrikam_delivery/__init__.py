"""Fabrikam delivery service: schedules deliveries and answers what is scheduled.

``PUT /api/deliveries/{id}`` creates or replaces a delivery, ``GET`` reads it back. The
store is in memory: this example shows the CI/CD flow, not persistence.
"""

SERVICE = "delivery"
