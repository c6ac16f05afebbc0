"""Plain values shared by every layer: no I/O, no service names, nothing else of the package."""
