"""provisioner: keep people's schedules in git and make live services match."""

# The one place the version is written: pyproject.toml reads it (dynamic), as do `--version`, the
# User-Agent and the plan file's `tool_version`.
__version__ = "0.2.0"
