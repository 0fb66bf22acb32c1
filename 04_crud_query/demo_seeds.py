"""The users that `make demo-4` creates through the API, so the demo starts with data."""

# (method, path, JSON body or None), sent in order after start-up; each must answer 2xx.
SEED_REQUESTS = [
    ("POST", "/users?name=ada&nickname=countess", None),
    ("POST", "/users?name=grace&nickname=admiral", None),
    ("POST", "/users?name=alan&nickname=enigma", None),
]
