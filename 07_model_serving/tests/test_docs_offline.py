"""`/docs` and `/redoc` must work with no internet: every asset comes from this app."""

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets, "expected script and style tags"
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert "cdn." not in response.text and "fonts.googleapis" not in response.text
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 500


def test_swagger_oauth_redirect_page_exists(client: TestClient) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_redoc_may_load_images_from_this_server_only(client: TestClient) -> None:
    response = client.get("/redoc")
    assert response.headers["content-security-policy"] == "img-src 'self' data:"
