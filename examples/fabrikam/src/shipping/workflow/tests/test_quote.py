from decimal import Decimal

import pytest

from fabrikam_workflow.quote import NoCarrier, choose_carrier, quote


@pytest.mark.parametrize(
    ("size", "weight", "distance", "carrier"),
    [
        ("small", "2.5", "25", "drone"),
        ("small", "2.6", "25", "van"),
        ("small", "1", "26", "van"),
        ("medium", "1", "5", "van"),
        ("medium", "25.1", "5", "truck"),
        ("large", "70", "2000", "truck"),
    ],
)
def test_the_first_carrier_that_fits_is_chosen(
    size: str, weight: str, distance: str, carrier: str
) -> None:
    assert choose_carrier(size, Decimal(weight), Decimal(distance)).name == carrier


def test_nothing_carries_past_the_trucks_limits() -> None:
    with pytest.raises(NoCarrier, match="large package of 71 kg"):
        choose_carrier("large", Decimal(71), Decimal(1))


def test_a_drone_quote_is_exact() -> None:
    # 499 base + 40 * 12 started km + 25 * 2 started kg = 1029 cents;
    # 5 min handling + 11.3 km at 60 km/h = 11.3 -> 12 min travel.
    result = quote("small", Decimal("1.2"), Decimal("11.3"), expedited=False)
    assert (result.carrier, result.price_cents, result.eta_minutes) == ("drone", 1029, 17)


def test_expedited_costs_half_again_rounded_up_and_halves_handling() -> None:
    result = quote("small", Decimal("1.2"), Decimal("11.3"), expedited=True)
    assert result.price_cents == 1544  # 1029 * 1.5 = 1543.5 -> 1544
    assert result.eta_minutes == 3 + 12
