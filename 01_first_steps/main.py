"""Chapter 01 - First steps: the smallest FastAPI application."""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI(
    title="Chapter 01 - First steps",
    description="The smallest useful FastAPI app: one path operation that answers with JSON.",
    version="1.0.0",
    openapi_tags=[
        {"name": "greetings", "description": "Say hello to the API."},
        {
            "name": "exercises",
            "description": "Your exercises. The instructor's edition shows the solutions here; "
            "yours fills up as you solve them.",
        },
    ],
)


@app.get(
    "/",
    summary="Say hello",
    description='Answers every visitor with the classic `{"Hello": "World"}`.',
    tags=["greetings"],
    responses={200: {"content": {"application/json": {"example": {"Hello": "World"}}}}},
)
def read_root() -> dict[str, str]:
    return {"Hello": "World"}


# BEGIN SOLUTION ch01.ex1: GET /about
@app.get(
    "/about",
    summary="Describe this app",
    description="Exercise 1: says which chapter of the course this app belongs to.",
    tags=["exercises"],
    responses={
        200: {
            "content": {"application/json": {"example": {"chapter": "01", "topic": "First steps"}}}
        }
    },
)
def read_about() -> dict[str, str]:
    return {"chapter": "01", "topic": "First steps"}


# END SOLUTION
# BEGIN SOLUTION ch01.ex2: GET /ping, written with async def
@app.get(
    "/ping",
    summary="Check that the server answers",
    description="Exercise 2: an `async def` handler. It awaits nothing, so it is safe on the loop.",
    tags=["exercises"],
    responses={200: {"content": {"application/json": {"example": {"ping": "pong"}}}}},
)
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


# END SOLUTION
# BEGIN SOLUTION ch01.ex3: GET /hello.txt, answered as plain text
@app.get(
    "/hello.txt",
    summary="Say hello in plain text",
    description="Exercise 3: not every answer is JSON. This one is `text/plain`.",
    tags=["exercises"],
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"example": "Hello, World!"}}}},
)
def hello_text() -> str:
    return "Hello, World!"


# END SOLUTION
