"""Emulation of Planning Center Services v2 (docs/api-notes.md): api.py routes, the rest handles."""
