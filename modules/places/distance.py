"""Great-circle distances, the coarse cells that every distance others can observe is measured
between, and the latitude/longitude box that holds a circle around a point."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
# The side of a cell, in km. Everything another person can observe of someone's place (which
# filters keep them, their rounded distance, their rank nearby) is measured between the centres
# of the two people's cells, never between the stored points, so that no number of queries
# locates anyone more closely than their cell: for a person placed at random in a 1 km cell, the
# best guess (the centre) is still about 400 m off in the median (docs/reliability.md, Safety).
CELL_KM = 1.0
# Rows of cells from pole to pole, each CELL_KM high; each row holds as many cells CELL_KM wide
# (at its middle latitude) as fit around the Earth.
_CELL_ROWS = round(math.pi * EARTH_RADIUS_KM / CELL_KM)
_ROW_DEGREES = 180 / _CELL_ROWS


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


@dataclass(frozen=True)
class Cell:
    """The centre of the cell that holds a point: all of that point that others may measure."""

    latitude: float
    longitude: float

    @classmethod
    def holding(cls, latitude: float, longitude: float) -> "Cell":
        """The cell that holds (``latitude``, ``longitude``)."""
        row = min(math.floor((latitude + 90) / _ROW_DEGREES), _CELL_ROWS - 1)
        centre_latitude = -90 + (row + 0.5) * _ROW_DEGREES
        row_km = 2 * math.pi * EARTH_RADIUS_KM * math.cos(math.radians(centre_latitude))
        column_degrees = 360 / max(1, round(row_km / CELL_KM))
        column = min(
            math.floor((longitude + 180) / column_degrees), round(360 / column_degrees) - 1
        )
        return cls(centre_latitude, -180 + (column + 0.5) * column_degrees)

    def km_to(self, other: "Cell") -> float:
        """The great-circle distance between the two cells' centres, in km."""
        return great_circle_km(self.latitude, self.longitude, other.latitude, other.longitude)


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
