"""One flat projection for the whole product: the proposal measures with it, the map draws with it.

Within a township (a few kilometres) the earth is flat enough: metres east are longitude ×
111 km × cos(latitude of the place), metres north are latitude × 111 km. The error against a
great-circle distance is well under a metre over 10 km at Qinghai's latitudes.
"""

import math

import numpy as np

KM_PER_DEG_LAT = 111.0
DEFAULT_LATITUDE = 36.0  # Haidong; used when a village has no centre of its own


def origin_latitude(latitude) -> float:
    """The latitude the projection is taken at (a village's centre, or Haidong's)."""
    return float(latitude) if latitude is not None else DEFAULT_LATITUDE


def xy(latitude, longitude, lat0: float) -> tuple[float, float]:
    """Metres east and north of (0°, 0°) on the flat projection at latitude `lat0`."""
    x = float(longitude) * KM_PER_DEG_LAT * 1000 * math.cos(math.radians(lat0))
    y = float(latitude) * KM_PER_DEG_LAT * 1000
    return x, y


def xy_array(latitudes, longitudes, lat0: float) -> np.ndarray:
    """`xy` for many points at once: an (n, 2) array of metres."""
    lat = np.asarray(latitudes, dtype=float)
    lng = np.asarray(longitudes, dtype=float)
    scale = KM_PER_DEG_LAT * 1000
    return np.column_stack([lng * scale * math.cos(math.radians(lat0)), lat * scale])
