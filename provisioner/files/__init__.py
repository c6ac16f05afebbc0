"""The desired state on disk: YAML loading with file:line:col, field types, cross-file checks,
schema, git snapshots."""
