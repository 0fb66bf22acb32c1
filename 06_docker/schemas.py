"""The JSON bodies the API reads and writes."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

NameStr = Annotated[str, Field(min_length=1, max_length=32, examples=["hello"])]
NicknameStr = Annotated[str, Field(min_length=1, max_length=32, examples=["world"])]


class UserIn(BaseModel):
    """What a client sends to create or update a user."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "hello", "nickname": "world"}]}
    )

    name: NameStr
    nickname: NicknameStr


class User(UserIn):
    """A stored user: the client's fields plus the id the server gave it."""

    id: int


class CreateOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "success", "id": 1}]})

    status: Literal["success"] = "success"
    id: int


class NicknameOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"nickname": "world"}]})

    nickname: str


class StatusOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "success"}]})

    status: Literal["success"] = "success"


class HealthOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = "ok"


class ErrorMessage(BaseModel):
    detail: str
