"""Emulation of the Guidebook Open API v1 (shared/api/guidebook.md): api.py routes, resources.py validates."""
