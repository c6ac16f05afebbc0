"""Live state to YAML, and merging it into existing files."""
