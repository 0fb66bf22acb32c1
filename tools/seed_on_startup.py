"""Send a chapter's demo records (`demo_seeds.py`) through its app, once start-up is done."""

import httpx
from demo_seeds import SEEDS_FILE, SeedRequest
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class DemoSeedError(Exception):
    """A seed request was not answered with 2xx."""


class DemoSeeds:
    """Wraps the served app: when its lifespan reports start-up complete, and before the
    server hears of it, each seed request is sent to the app through an in-process client."""

    def __init__(self, app: ASGIApp, requests: list[SeedRequest]) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def seed_then_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                await self.seed()
            await send(message)

        await self.app(scope, receive, seed_then_send)

    async def seed(self) -> None:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            for method, path, body in self.requests:
                response = await client.request(method, path, json=body)
                if not response.is_success:
                    raise DemoSeedError(
                        f"{SEEDS_FILE}: {method} {path} answered {response.status_code} "
                        f"{response.text[:200]}"
                    )
