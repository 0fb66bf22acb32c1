"""The users that `make demo-5` creates through the API, so the demo starts with data."""

# (method, path, JSON body or None), sent in order after start-up; each must answer 2xx.
SEED_REQUESTS = [
    ("POST", "/users", {"name": "ada", "nickname": "countess"}),
    ("POST", "/users", {"name": "grace", "nickname": "admiral"}),
    ("POST", "/users", {"name": "alan", "nickname": "enigma"}),
]
