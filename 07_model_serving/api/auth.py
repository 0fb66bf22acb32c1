"""API keys, as vLLM's `--api-key`: with API_KEY set, a request must send it as a bearer token.

FastAPI's `HTTPBearer` reads the `Authorization` header and declares the scheme in the OpenAPI
schema, so Swagger UI shows an **Authorize** button. The key is compared in constant time
(`secrets.compare_digest`), so the time an answer takes says nothing about how much of a guess
was right.
"""

import secrets
from typing import Annotated

from fastapi import Request, Security, status
from fastapi.exceptions import HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.schemas import documented_error

WRONG_KEY_DETAIL = "Missing or wrong API key: send `Authorization: Bearer <key>`."
UNAUTHORIZED = documented_error(
    "The server was started with API_KEY, and this request did not send it.", WRONG_KEY_DETAIL
)
bearer = HTTPBearer(
    auto_error=False, description="Needed only when the server was started with API_KEY."
)


def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    expected = request.app.state.settings.api_key
    if expected is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=WRONG_KEY_DETAIL,
            headers={"WWW-Authenticate": "Bearer"},
        )
