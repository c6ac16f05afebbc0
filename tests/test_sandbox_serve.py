"""`serve()` as a separate process: banner, credentials, --faults file, --reading, control
endpoints, clean SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

from provisioner_sandbox import GUIDEBOOK_KEY


def test_serve_banner_faults_file_and_sigterm(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"method": "GET", "path": "guides/47/", "status": 502}]))
    cmd = [
        sys.executable,
        "-m",
        "provisioner_sandbox",
        "--port",
        "0",
        "--data",
        str(tmp_path / "db.sqlite3"),
        "--seed",
        "demo",
        "--faults",
        str(faults),
        "--reading",
        "guidebook.body=form-only",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline().strip()
        assert banner.startswith("sandbox listening on http://127.0.0.1:")
        url = banner.rsplit(" ", 1)[1]
        assert GUIDEBOOK_KEY in proc.stdout.readline()
        banner_rest = [proc.stdout.readline().strip() for _ in range(3)]
        assert banner_rest[-1] == "# readings: guidebook.body=form-only"
        assert (
            requests.get(url + "_sandbox/readings").json()["readings"]["guidebook.body"]
            == "form-only"
        )
        headers = {"Authorization": f"JWT {GUIDEBOOK_KEY}"}
        assert requests.get(url + "open-api/v1/guides/47/", headers=headers).status_code == 502
        assert (
            requests.get(url + "open-api/v1/guides/47/", headers=headers).json()["name"]
            == "Summit 2026"
        )
        assert [e["status"] for e in requests.get(url + "_sandbox/requests").json()] == [502, 200]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        if proc.stdout is not None:
            proc.stdout.close()
