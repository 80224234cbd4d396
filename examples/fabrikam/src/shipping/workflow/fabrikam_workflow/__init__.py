"""Fabrikam workflow service: picks a carrier for a package and a delivery, and prices it.

``POST /api/workflow`` takes a package (size, weight) and a delivery (distance, expedited)
and answers the carrier, the price in cents and the estimated minutes to drop-off.

This service does not use ``src/shipping/common``: it has its own small HTTP layer, so a
change to the shared library does not rebuild it (its pipeline's path filters say so).
"""

SERVICE = "workflow"
