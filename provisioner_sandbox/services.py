"""The emulated services, listed once: their readings (and, in server.py, their API objects)."""

from __future__ import annotations

from .guidebook.readings import READINGS as GUIDEBOOK_READINGS
from .planning_center.readings import READINGS as PLANNING_CENTER_READINGS
from .readings import Reading

READINGS: tuple[Reading, ...] = (*GUIDEBOOK_READINGS, *PLANNING_CENTER_READINGS)
