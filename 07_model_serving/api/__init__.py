"""The HTTP layer: routes, request and response bodies, errors, limits, docs, injection."""
