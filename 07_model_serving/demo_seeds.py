"""The generations that `make demo-7` makes through the API, so the demo starts with data.

The start-up check sends them too, in a process of its own, into the same database: a fresh
`make demo-7` shows each twice (generations may be made twice; nothing is unique here).
"""

# (method, path, JSON body or None), sent in order after start-up; each must answer 2xx.
SEED_REQUESTS = [
    ("POST", "/generate", {"prompt": "import ", "max_new_tokens": 24, "temperature": 0}),
    ("POST", "/generate", {"prompt": "class ", "max_new_tokens": 24, "temperature": 0}),
    ("POST", "/generate", {"prompt": "def ", "max_new_tokens": 24, "temperature": 0}),
]
