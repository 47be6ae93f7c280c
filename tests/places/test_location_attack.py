"""The trilateration attack, run as a hostile user would: three accounts of the attacker's own,
each moving its place as often as the server allows, measure fifteen people placed at random
by every documented means — a binary search on ``within_km``, the flips of the rounded
``distance_km`` as they move, and the order of the nearby list against their own accounts as
decoys — and then make the best guess each person's constraints allow. The server keeps
everyone at least 250 m from that guess in the median (docs/reliability.md, Safety)."""

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from modules.places.distance import Cell

Placed = Callable[..., Account]
SignUp = Callable[..., Account]

CENTRE = (48.137, 11.575)
KM_PER_DEGREE = 111.195
AREA_KM = 6.0  # the victims live in a square of this side around CENTRE
VICTIMS = 15
SEARCH_STEPS = 12  # halvings of a 1 km interval: to 25 cm
GRID_KM = 0.025
MOVES_TRIED = 10  # more than a day allows


KM_PER_DEGREE_EAST = KM_PER_DEGREE * math.cos(math.radians(CENTRE[0]))


def to_degrees(x_km: float, y_km: float) -> tuple[float, float]:
    """The point ``x_km`` east and ``y_km`` north of CENTRE."""
    return CENTRE[0] + y_km / KM_PER_DEGREE, CENTRE[1] + x_km / KM_PER_DEGREE_EAST


def cell_centre(x_km: float, y_km: float) -> tuple[float, float]:
    """The centre of the cell holding the point, as the attacker can work out from the code."""
    cell = Cell.holding(*to_degrees(x_km, y_km))
    return (
        (cell.longitude - CENTRE[1]) * KM_PER_DEGREE_EAST,
        (cell.latitude - CENTRE[0]) * KM_PER_DEGREE,
    )


@dataclass
class Knowledge:
    """What the attacker knows of one victim: distance bounds from points, and "nearer than"
    comparisons with decoys, all in km on a plane around CENTRE (flat enough at this scale)."""

    bounds: list[tuple[tuple[float, float], float, float]] = field(default_factory=list)
    nearer: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)

    def best_guesses(self) -> list[tuple[float, float]]:
        """Two guesses: taking the distances as measured between exact points, and between
        the centres of cells (of the attacker's and the victim's), as the code says."""
        as_points = self.middle_of_least_broken()
        as_cells = Knowledge(
            [(cell_centre(*point), low, high) for point, low, high in self.bounds],
            [(cell_centre(*point), cell_centre(*decoy)) for point, decoy in self.nearer],
        )
        return [as_points, cell_centre(*as_cells.middle_of_least_broken())]

    def middle_of_least_broken(self) -> tuple[float, float]:
        """The middle of the points that break the known constraints least."""
        axis = np.arange(-AREA_KM / 2 - 1, AREA_KM / 2 + 1, GRID_KM)
        x, y = np.meshgrid(axis, axis)
        broken = np.zeros_like(x)
        for (px, py), low, high in self.bounds:
            distance = np.hypot(x - px, y - py)
            broken += np.maximum(0, low - distance) + np.maximum(0, distance - high)
        for (px, py), (dx, dy) in self.nearer:
            broken += np.maximum(0, np.hypot(x - px, y - py) - math.hypot(dx - px, dy - py))
        best = broken <= broken.min() + 1e-9
        return float(x[best].mean()), float(y[best].mean())


class Attacker:
    """Three accounts that move, list who is nearby, and search ``within_km``."""

    def __init__(self, client: TestClient, accounts: list[Account]) -> None:
        self.client = client
        self.accounts = accounts
        self.where: dict[uuid.UUID, tuple[float, float]] = {}
        self.floats_refused = False

    def move(self, account: Account, x_km: float, y_km: float) -> bool:
        """Move ``account`` there; False once the server refuses more moves."""
        latitude, longitude = to_degrees(x_km, y_km)
        body = {"latitude": latitude, "longitude": longitude}
        response = self.client.put("/users/me/place", json=body, headers=account.headers)
        if response.status_code == 429:
            return False
        assert response.status_code == 200, response.text
        self.where[account.id] = (x_km, y_km)
        return True

    def nearby(self, account: Account, within_km: float) -> list[dict[str, Any]] | None:
        """Everyone within ``within_km`` of ``account``, in the server's order (None: refused)."""
        params = {"within_km": within_km, "limit": 100}
        response = self.client.get("/users/nearby", params=params, headers=account.headers)
        if response.status_code == 422:
            return None
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def observe(self, account: Account, victims: dict[str, Knowledge]) -> None:
        """Everything one listing, and a binary search per victim, tell from where it stands."""
        here = self.where[account.id]
        listing = self.nearby(account, 20) or []
        shown = {item["user"]["id"]: item["distance_km"] for item in listing}
        for victim, km in shown.items():
            if victim in victims:
                low, high = (0.0, 1.5) if km == 1 else (km - 0.5, km + 0.5)
                victims[victim].bounds.append((here, *self.search(account, victim, low, high)))
        self.compare_with_decoys(here, listing, victims)

    def search(self, account: Account, victim: str, low: float, high: float) -> tuple[float, float]:
        """Narrow the victim's distance by asking whether they are within the middle."""
        for _ in range(SEARCH_STEPS if not self.floats_refused else 0):
            middle = (low + high) / 2
            listing = self.nearby(account, middle)
            if listing is None:
                self.floats_refused = True
                break
            if any(item["user"]["id"] == victim for item in listing):
                high = middle
            else:
                low = middle
        return low, high

    def compare_with_decoys(
        self,
        here: tuple[float, float],
        listing: list[dict[str, Any]],
        victims: dict[str, Knowledge],
    ) -> None:
        """A victim listed before a decoy of the attacker's own is taken to be nearer to it."""
        decoys = {str(a.id): self.where[a.id] for a in self.accounts if a.id in self.where}
        order = [item["user"]["id"] for item in listing]
        for decoy, decoy_at in decoys.items():
            if decoy not in order:
                continue
            for victim in order[: order.index(decoy)]:
                if victim in victims:
                    victims[victim].nearer.append((here, decoy_at))


def test_three_accounts_cannot_place_anyone_within_250_m_in_the_median(
    client: TestClient, sign_up: SignUp, placed: Placed
) -> None:
    rng = random.Random(24)
    truth = {}
    for _ in range(VICTIMS):
        x, y = rng.uniform(-AREA_KM / 2, AREA_KM / 2), rng.uniform(-AREA_KM / 2, AREA_KM / 2)
        truth[str(placed(*to_degrees(x, y)).id)] = (x, y)
    attacker = Attacker(client, [sign_up() for _ in range(3)])
    victims = {victim: Knowledge() for victim in truth}
    # Three corners of a triangle around the victims; each account then steps 300 m at a time,
    # to catch the rounded distances flipping, for as long as the server lets it move.
    starts = [(-5.0, -5.0), (5.0, -5.0), (0.0, 5.0)]
    for account, start in zip(attacker.accounts, starts, strict=True):
        assert attacker.move(account, *start)
    moves = []
    for account, (x, y) in zip(attacker.accounts, starts, strict=True):
        steps = 1
        attacker.observe(account, victims)
        while steps < MOVES_TRIED and attacker.move(account, x + 0.3 * steps, y):
            attacker.observe(account, victims)
            steps += 1
        moves.append(steps)
    errors = sorted(
        min(math.dist(guess, truth[victim]) for guess in victims[victim].best_guesses())
        for victim in truth
    )
    assert errors[len(errors) // 2] >= 0.25, errors
    assert max(moves) < MOVES_TRIED, f"the server let an account move {max(moves)} times"
