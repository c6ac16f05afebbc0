"""`python -m provisioner_sandbox [OPTIONS]`: the `provisioner sandbox` command, standalone (see
cli.py)."""

from .cli import main

if __name__ == "__main__":
    main()
