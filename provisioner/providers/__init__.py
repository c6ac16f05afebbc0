"""Providers: one per live service. Each holds every API-specific translation."""
