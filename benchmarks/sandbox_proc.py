"""The sandbox in its own process, driven over its control endpoints (GET/DELETE
/_sandbox/requests).

The benchmarks run the emulator out of process on purpose: in-process, its request handling would
share the GIL with the client being measured, and tracemalloc would count the server's allocations
too.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from typing import Any

from provisioner_sandbox.credentials import client_env


class SandboxProcess:
    """``python -m provisioner_sandbox`` on a free loopback port, seeded into ``data``."""

    def __init__(
        self,
        data: str,
        seed: str,
        latency: float = 0.0,
        pco_rate_limit: int = 100,
        pco_rate_period: int = 20,
        readings: dict[str, str] | None = None,
        guidebook_daily_limit: int = 10000,
    ) -> None:
        self.port, self.data = _free_port(), data
        cmd = [
            sys.executable,
            "-m",
            "provisioner_sandbox",
            "--port",
            str(self.port),
            "--data",
            data,
            "--seed",
            seed,
            "--latency",
            str(latency),
            "--pco-rate-limit",
            str(pco_rate_limit),
            "--pco-rate-period",
            str(pco_rate_period),
            "--guidebook-daily-limit",
            str(guidebook_daily_limit),
        ]
        for name, value in (readings or {}).items():
            cmd += ["--reading", f"{name}={value}"]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "sandbox listening on ..." once seeded and serving
        if "listening" not in line:
            self.stop()
            raise RuntimeError(f"sandbox did not start: {line!r}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def guidebook_url(self) -> str:
        return self.url + "open-api/v1/"

    def env(self) -> dict[str, str]:
        return client_env(self.guidebook_url, self.url)

    def requests(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.url + "_sandbox/requests") as resp:
            return list(json.load(resp))

    def clear_requests(self) -> None:
        urllib.request.urlopen(
            urllib.request.Request(self.url + "_sandbox/requests", method="DELETE")
        ).close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
