import pytest
from fastapi.testclient import TestClient

LONG_DESCRIPTION = "This is an amazing item that has a long description"


def test_read_item_converts_the_path_to_int(client: TestClient) -> None:
    response = client.get("/items/42")
    assert response.status_code == 200
    assert response.json() == {"item_id": 42}


def test_read_item_rejects_a_non_integer(client: TestClient) -> None:
    response = client.get("/items/foo")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["path", "item_id"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "foo",
            }
        ]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]),
        ("?skip=1&limit=1", [{"item_name": "Bar"}]),
        ("?skip=2", [{"item_name": "Baz"}]),
        ("?limit=2", [{"item_name": "Foo"}, {"item_name": "Bar"}]),
        ("?skip=10", []),
    ],
)
def test_list_items_pages_through_the_store(
    client: TestClient, query: str, expected: list[dict[str, str]]
) -> None:
    response = client.get(f"/items/{query}")
    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize("param", ["skip", "limit"])
def test_list_items_rejects_negative_values(client: TestClient, param: str) -> None:
    response = client.get(f"/items/?{param}=-1")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "greater_than_equal",
                "loc": ["query", param],
                "msg": "Input should be greater than or equal to 0",
                "input": "-1",
                "ctx": {"ge": 0},
            }
        ]
    }


def test_needy_item_echoes_both_parameters(client: TestClient) -> None:
    response = client.get("/needy-items/foo-item?needy=sooo-needy")
    assert response.status_code == 200
    assert response.json() == {"item_id": "foo-item", "needy": "sooo-needy"}


def test_needy_item_requires_the_query_parameter(client: TestClient) -> None:
    response = client.get("/needy-items/foo-item")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["query", "needy"],
                "msg": "Field required",
                "input": None,
            }
        ]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"item_id": "foo-item", "owner_id": 3, "description": LONG_DESCRIPTION}),
        (
            "?q=hello",
            {"item_id": "foo-item", "owner_id": 3, "q": "hello", "description": LONG_DESCRIPTION},
        ),
        ("?short=true", {"item_id": "foo-item", "owner_id": 3}),
        ("?q=hello&short=True", {"item_id": "foo-item", "owner_id": 3, "q": "hello"}),
        ("?short=0", {"item_id": "foo-item", "owner_id": 3, "description": LONG_DESCRIPTION}),
    ],
)
def test_user_item_combines_path_and_query(
    client: TestClient, query: str, expected: dict[str, object]
) -> None:
    response = client.get(f"/users/3/items/foo-item{query}")
    assert response.status_code == 200
    assert response.json() == expected


def test_user_item_rejects_a_bad_boolean(client: TestClient) -> None:
    response = client.get("/users/3/items/foo-item?short=maybe")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "bool_parsing",
                "loc": ["query", "short"],
                "msg": "Input should be a valid boolean, unable to interpret input",
                "input": "maybe",
            }
        ]
    }
