"""The app that `make chapter-N` serves: the chapter's own app, with /docs and /redoc offline.

FastAPI's docs pages load Swagger UI and ReDoc from a CDN, so in a classroom without internet
they stay blank. This wrapper answers the app's docs paths with the same pages, built by
FastAPI's own functions, pointing at copies of those files that the pinned `fastapi-offline`
package ships. Every other request, and the lifespan, goes to the chapter's app untouched.
Running `uvicorn main:app` inside a chapter folder does without it.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

ASSETS_PREFIX = "/__course-docs-assets"
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))


class OfflineDocs:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.assets = Starlette(routes=[Mount(ASSETS_PREFIX, StaticFiles(directory=ASSETS_DIR))])

    def docs_page(self, path: str) -> Response | None:
        app = self.app
        if app.openapi_url is None:
            return None
        if path == app.docs_url:
            return get_swagger_ui_html(
                openapi_url=app.openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
                init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters=app.swagger_ui_parameters,
                swagger_js_url=f"{ASSETS_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_PREFIX}/favicon.png",
            )
        if path == app.redoc_url:
            page = get_redoc_html(
                openapi_url=app.openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{ASSETS_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS_PREFIX}/favicon.png",
                with_google_fonts=False,
            )
            # ReDoc's side menu always loads Redocly's logo from a CDN; images from this server
            # only, so the page asks nothing of another machine (the logo just stays away).
            page.headers["Content-Security-Policy"] = "img-src 'self' data:"
            return page
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith(f"{ASSETS_PREFIX}/"):
                await self.assets(scope, receive, send)
                return
            page = self.docs_page(path)
            if page is not None:
                await page(scope, receive, send)
                return
        await self.app(scope, receive, send)
