"""Every limit of the given operations, checked just inside and just outside its edge."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(("query", "count"), [("skip=0", 3), ("limit=0", 0), ("limit=100", 3)])
def test_list_items_accepts_values_at_the_edges(client: TestClient, query: str, count: int) -> None:
    response = client.get(f"/items/?{query}")
    assert response.status_code == 200
    assert len(response.json()) == count


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "skip=-1",
            {
                "type": "greater_than_equal",
                "loc": ["query", "skip"],
                "msg": "Input should be greater than or equal to 0",
                "input": "-1",
                "ctx": {"ge": 0},
            },
        ),
        (
            "limit=-1",
            {
                "type": "greater_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be greater than or equal to 0",
                "input": "-1",
                "ctx": {"ge": 0},
            },
        ),
        (
            "limit=101",
            {
                "type": "less_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 100",
                "input": "101",
                "ctx": {"le": 100},
            },
        ),
    ],
)
def test_list_items_refuses_values_past_the_edges(
    client: TestClient, query: str, error: dict[str, object]
) -> None:
    response = client.get(f"/items/?{query}")
    assert response.status_code == 422
    assert response.json() == {"detail": [error]}
