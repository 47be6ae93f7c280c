"""Great-circle distances, and the latitude/longitude box that holds a circle around a point."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Box:
    """Latitudes and longitudes (degrees) that hold every point within a distance of a centre;
    ``west > east`` when the box crosses the antimeridian."""

    south: float
    north: float
    west: float
    east: float
    all_longitudes: bool


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The distance between two points on the Earth, in km (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def shown_km(distance_km: float) -> int:
    """A distance as others may see it: rounded to the nearest kilometre, at least 1 km."""
    return max(1, round(distance_km))


def box_around(latitude: float, longitude: float, radius_km: float) -> Box:
    """The box holding every point within ``radius_km`` of (``latitude``, ``longitude``)."""
    angle = math.degrees(radius_km / EARTH_RADIUS_KM)
    south, north = latitude - angle, latitude + angle
    if south <= -90 or north >= 90:
        return Box(max(south, -90), min(north, 90), -180, 180, all_longitudes=True)
    spread = math.degrees(
        math.asin(min(1.0, math.sin(math.radians(angle)) / math.cos(math.radians(latitude))))
    )
    west, east = longitude - spread, longitude + spread
    if west < -180 or east > 180:
        return Box(south, north, (west + 540) % 360 - 180, (east + 540) % 360 - 180, False)
    return Box(south, north, west, east, all_longitudes=False)
