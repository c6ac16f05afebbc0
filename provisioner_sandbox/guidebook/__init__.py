"""Emulation of the Guidebook Open API v1 (docs/api-notes.md): api.py routes, resources.py
validates."""
