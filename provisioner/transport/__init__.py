"""HTTP (auth, timeouts, retries, pacing, typed errors), credentials, recording."""
