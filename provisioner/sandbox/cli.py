"""`provisioner sandbox`: the click command that runs the emulator (the generic CLI only adds it)."""

from __future__ import annotations

import click


@click.command("sandbox")
@click.option("--port", type=int, default=8765, show_default=True, help="Loopback port to listen on.")
@click.option("--data", type=click.Path(dir_okay=False), help="SQLite file holding the state.")
@click.option("--seed", help="Load data first: demo, empty, or bench:guides=N,schedules=N,...")
@click.option("--latency", type=float, default=0.0, help="Seconds added to every API request.")
@click.option("--faults", "faults_file", type=click.Path(exists=True, dir_okay=False), help="JSON list of faults.")
@click.option("--pco-rate-limit", type=int, default=100, show_default=True,
              help="Planning Center requests allowed per period.")
@click.option("--pco-rate-period", type=int, default=20, show_default=True,
              help="Planning Center rate-limit period in seconds.")
def sandbox(port: int, data: str | None, seed: str | None, latency: float, faults_file: str | None,
            pco_rate_limit: int, pco_rate_period: int) -> None:
    """Run the local emulator of both APIs."""
    from provisioner.sandbox import serve

    serve(port=port, data=data, seed=seed, latency=latency, faults_file=faults_file,
          pco_rate_limit=pco_rate_limit, pco_rate_period=pco_rate_period)
