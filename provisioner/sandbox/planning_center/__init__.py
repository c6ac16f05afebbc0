"""Emulation of Planning Center Services v2 (shared/api/planning_center.md): api.py routes, the rest handles."""
