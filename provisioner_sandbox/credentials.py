"""Credentials the sandbox accepts. They are public on purpose: the sandbox guards nothing real."""

GUIDEBOOK_KEY = "gb-sandbox-key-7f3a"
PCO_APP_ID = "pco-sandbox-app"
PCO_SECRET = "pco-sandbox-secret-91c2"
PCO_TOKEN = "pco-sandbox-token-4d8e"

# The Planning Center person the sandbox's credentials (both the PAT and the token) act as: Jane Doe
# of the demo. With the reading pco.respond_others=forbidden, only this person's schedules can be
# accepted or declined.
PCO_PERSON = 111


def client_env(guidebook_url: str, pco_url: str) -> dict[str, str]:
    """The environment variables that point provisioner at a sandbox at these addresses, signed in
    with the PCO application id and secret (PCO_ACCESS_TOKEN empty, so a token in the caller's
    environment does not take over)."""
    return {
        "GUIDEBOOK_API_KEY": GUIDEBOOK_KEY,
        "GUIDEBOOK_API_URL": guidebook_url,
        "PCO_APPLICATION_ID": PCO_APP_ID,
        "PCO_SECRET": PCO_SECRET,
        "PCO_API_URL": pco_url,
        "PCO_ACCESS_TOKEN": "",
    }
