"""What `/docs` shows: served offline, and with the limits the running service enforces.

FastAPI's own `/docs` loads its JavaScript and CSS from a CDN. `add_offline_docs` is FastAPI's
documented recipe for self-hosting them: turn the default routes off (`docs_url=None,
redoc_url=None`) and add these instead.

The files come from the pinned `fastapi-offline` package (Swagger UI and ReDoc as FastAPI's own
docs pages use them), so the chapter keeps no copy of its own; the image installs it too.
"""

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from config import Settings
from model import ModelCard
from model.checkpoint import card_path

STATIC_DIR = Path(str(files("fastapi_offline") / "static"))


def add_offline_docs(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/favicon.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url="/static/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.png",
            with_google_fonts=False,
        )
        # ReDoc fetches its own logo from a CDN: allow images from this server only.
        page.headers["Content-Security-Policy"] = "img-src 'self' data:"
        return page


def character_class(characters: str) -> str:
    """A regex class such as `[\\u000a\\u0020-\\u007e]`, read alike by Python and JavaScript."""
    codes = sorted(set(map(ord, characters)))
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = (
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )
    return "[" + "".join(parts) + "]"


def document_runtime_limits(app: FastAPI, settings: Settings) -> None:
    """Write the limits that depend on the settings and the model into the OpenAPI schema.

    The request model cannot know them when Python reads it: MAX_NEW_TOKENS_LIMIT is a
    setting, and the context and vocabulary belong to whichever model is configured. This is
    FastAPI's "Extending OpenAPI" recipe: build the schema once, then adjust it.
    """
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build_schema()
        models = schema["components"]["schemas"]
        native, openai = models["GenerateRequest"]["properties"], models["CompletionRequest"]
        native["max_new_tokens"]["maximum"] = settings.max_new_tokens_limit
        # max_tokens may be null: the limit belongs to its integer branch, where every
        # JSON Schema reader applies it (a sibling of `anyOf` is easy to overlook).
        integer = next(
            b for b in openai["properties"]["max_tokens"]["anyOf"] if b["type"] == "integer"
        )
        integer["maximum"] = settings.max_new_tokens_limit
        try:
            card = ModelCard.model_validate_json(card_path(settings.model_path).read_text())
        except (OSError, ValueError):
            return schema  # the service will refuse to start and say why
        prompt = {
            "maxLength": card.config["block_size"],
            "pattern": f"^{character_class(card.vocab)}+$",
        }
        native["prompt"].update(prompt)
        text, one_item_list = openai["properties"]["prompt"]["anyOf"]
        text.update(prompt)
        one_item_list["items"].update(prompt)
        openai["properties"]["model"]["enum"] = [card.name]
        document_chat_limits(models, settings.max_new_tokens_limit, prompt, card.name)
        for option in native["top_k"]["anyOf"]:
            if option["type"] == "integer":
                option["maximum"] = len(card.vocab)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_chat_limits(
    models: dict[str, Any], limit: int, text: dict[str, object], model: str
) -> None:
    """The chat request's limits: each message's text as a prompt's, the served model, and
    MAX_NEW_TOKENS_LIMIT on both names of the length."""
    chat = models["ChatCompletionRequest"]["properties"]
    chat["model"]["enum"] = [model]
    for name in ("max_tokens", "max_completion_tokens"):
        next(b for b in chat[name]["anyOf"] if b["type"] == "integer")["maximum"] = limit
    content, _parts = models["ChatMessage"]["properties"]["content"]["anyOf"]
    content.update(text)
    models["TextPart"]["properties"]["text"].update(text)
