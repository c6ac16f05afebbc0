"""provisioner: keep people's schedules in git and make live services match."""

__version__ = "0.1.0"
