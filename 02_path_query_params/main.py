"""Chapter 02 - Path and query parameters: how a URL carries data into a function."""

from enum import StrEnum
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict

app = FastAPI(
    title="Chapter 02 - Path and query parameters",
    description=(
        "Path parameters name *which* resource (`/items/3`); query parameters *adjust* the "
        "request (`/items/?skip=1&limit=1`). FastAPI converts and validates both from the "
        "type hints, and answers 422 when a value does not fit."
    ),
    version="1.0.0",
    openapi_tags=[
        {"name": "items", "description": "Path and query parameters on a tiny item store."},
        {"name": "users", "description": "Several path and query parameters together."},
        {
            "name": "exercises",
            "description": "Your exercises. The instructor's edition shows the solutions here; "
            "yours fills up as you solve them.",
        },
    ],
)

FAKE_ITEMS_DB = [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]


class ItemId(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"item_id": 42}]})

    item_id: int


class ItemName(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"item_name": "Bar"}]})

    item_name: str


class NeedyItem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"item_id": "foo-item", "needy": "sooo-needy"}]}
    )

    item_id: str
    needy: str


class UserItem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "item_id": "foo-item",
                    "owner_id": 3,
                    "q": "hello",
                    "description": "This is an amazing item that has a long description",
                }
            ]
        }
    )

    item_id: str
    owner_id: int
    q: str | None = None
    description: str | None = None


@app.get(
    "/items/{item_id}",
    summary="Read one item by its integer id",
    description="`item_id` is a **path parameter** typed `int`: `/items/abc` is answered with 422.",
    tags=["items"],
)
def read_item(item_id: int) -> ItemId:
    return ItemId(item_id=item_id)


@app.get(
    "/items/",
    summary="List items, one page at a time",
    description=(
        "`skip` and `limit` are **query parameters** with defaults, so both are optional. "
        "Negative values are refused with 422."
    ),
    tags=["items"],
)
def list_items(
    skip: Annotated[int, Query(ge=0, description="How many items to skip.")] = 0,
    limit: Annotated[int, Query(ge=0, le=100, description="How many items to return.")] = 10,
) -> list[ItemName]:
    return [ItemName(**item) for item in FAKE_ITEMS_DB[skip : skip + limit]]


@app.get(
    "/needy-items/{item_id}",
    summary="A required query parameter",
    description="`needy` has no default, so it is **required**: leave it out and you get 422.",
    tags=["items"],
)
def read_needy_item(item_id: str, needy: str) -> NeedyItem:
    return NeedyItem(item_id=item_id, needy=needy)


@app.get(
    "/users/{user_id}/items/{item_id}",
    summary="Read a user's item",
    description=(
        "Two path parameters and two optional query parameters. `q` is echoed back when "
        "given; the long `description` is left out when `short` is true."
    ),
    tags=["users"],
    response_model_exclude_none=True,
)
def read_user_item(
    user_id: int,
    item_id: str,
    q: str | None = None,
    short: bool = False,
) -> UserItem:
    item = UserItem(item_id=item_id, owner_id=user_id, q=q)
    if not short:
        item.description = "This is an amazing item that has a long description"
    return item


# BEGIN SOLUTION ch02.ex1: the ModelName enum, its messages and GET /models/{model_name}
class ModelName(StrEnum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


class ModelInfo(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"model_name": "alexnet", "message": "Deep Learning FTW!"}]}
    )

    model_name: ModelName
    message: str


MODEL_MESSAGES = {
    ModelName.alexnet: "Deep Learning FTW!",
    ModelName.resnet: "Residual connections all the way down.",
    ModelName.lenet: "LeCNN all the images.",
}


@app.get(
    "/models/{model_name}",
    summary="Path parameter with a fixed set of values",
    description="Exercise 1: `model_name` must be one of the `ModelName` enum values.",
    tags=["exercises"],
)
def read_model(model_name: ModelName) -> ModelInfo:
    return ModelInfo(model_name=model_name, message=MODEL_MESSAGES[model_name])


# END SOLUTION
# BEGIN SOLUTION ch02.ex2: GET /search?q=
@app.get(
    "/search",
    summary="Search item names",
    description="Exercise 2: `q` is required and must be 1 to 20 characters long.",
    tags=["exercises"],
)
def search_items(q: Annotated[str, Query(min_length=1, max_length=20)]) -> list[ItemName]:
    needle = q.lower()
    return [ItemName(**item) for item in FAKE_ITEMS_DB if needle in item["item_name"].lower()]


# END SOLUTION
# BEGIN SOLUTION ch02.ex3: GET /items/{item_id}/name
@app.get(
    "/items/{item_id}/name",
    summary="Read an item's name by its position",
    description=(
        "Exercise 3: `item_id` counts from 0 in `FAKE_ITEMS_DB`. A negative or too large "
        "position is answered with 404, never with another item."
    ),
    tags=["exercises"],
    responses={
        404: {
            "description": "No item at this position.",
            "content": {"application/json": {"example": {"detail": "Item 7 not found."}}},
        }
    },
)
def read_item_name(item_id: int) -> ItemName:
    if not 0 <= item_id < len(FAKE_ITEMS_DB):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Item {item_id} not found.")
    return ItemName(**FAKE_ITEMS_DB[item_id])


# END SOLUTION
