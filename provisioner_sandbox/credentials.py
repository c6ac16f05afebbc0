"""Credentials the sandbox accepts. They are public on purpose: the sandbox guards nothing real."""

GUIDEBOOK_KEY = "gb-sandbox-key-7f3a"
PCO_APP_ID = "pco-sandbox-app"
PCO_SECRET = "pco-sandbox-secret-91c2"
PCO_TOKEN = "pco-sandbox-token-4d8e"

# The Planning Center person the sandbox's credentials (both the PAT and the token) act as: Jane Doe
# of the demo. With the reading pco.respond_others=forbidden, only this person's schedules can be
# accepted or declined.
PCO_PERSON = 111
