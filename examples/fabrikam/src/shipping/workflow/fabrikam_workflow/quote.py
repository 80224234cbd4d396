"""Choosing a carrier and computing the price and the time to drop-off.

Arithmetic is exact (Decimal from the JSON text, integer cents), so a quote does not
depend on float rounding: the same request always gets the same price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

PER_STARTED_KG_CENTS = 25


@dataclass(frozen=True)
class Carrier:
    name: str
    sizes: frozenset[str]
    max_weight_kg: Decimal
    max_distance_km: Decimal
    speed_kmh: int
    handling_minutes: int
    base_cents: int
    per_km_cents: int


SIZES = ("small", "medium", "large")
_SMALL, _UP_TO_MEDIUM, _ANY = frozenset(SIZES[:1]), frozenset(SIZES[:2]), frozenset(SIZES)

# In order of preference: the first carrier that can take the package is chosen.
# name, sizes, max kg, max km, km/h, handling minutes, base cents, cents per started km
CARRIERS = (
    Carrier("drone", _SMALL, Decimal("2.5"), Decimal(25), 60, 5, 499, 40),
    Carrier("van", _UP_TO_MEDIUM, Decimal(25), Decimal(300), 40, 20, 899, 60),
    Carrier("truck", _ANY, Decimal(70), Decimal(2000), 30, 45, 1999, 90),
)


@dataclass(frozen=True)
class Quote:
    carrier: str
    price_cents: int
    eta_minutes: int


class NoCarrier(Exception):
    """No carrier can take this package over this distance."""


def choose_carrier(size: str, weight_kg: Decimal, distance_km: Decimal) -> Carrier:
    for carrier in CARRIERS:
        if (
            size in carrier.sizes
            and weight_kg <= carrier.max_weight_kg
            and distance_km <= carrier.max_distance_km
        ):
            return carrier
    raise NoCarrier(f"no carrier takes a {size} package of {weight_kg} kg over {distance_km} km")


def quote(size: str, weight_kg: Decimal, distance_km: Decimal, *, expedited: bool) -> Quote:
    """Price: base + per started km + per started kg; expedited costs half again as much
    (rounded half up) and halves the handling time."""
    carrier = choose_carrier(size, weight_kg, distance_km)
    price = (
        carrier.base_cents
        + carrier.per_km_cents * math.ceil(distance_km)
        + PER_STARTED_KG_CENTS * math.ceil(weight_kg)
    )
    handling = carrier.handling_minutes
    if expedited:
        price = (price * 3 + 1) // 2
        handling = math.ceil(handling / 2)
    travel = math.ceil(distance_km * 60 / carrier.speed_kmh)
    return Quote(carrier.name, price, handling + travel)
