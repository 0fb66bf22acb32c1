"""A small HTTP/1.1 client on one kept-alive connection, shaped like httpx's for what tests use.

Generated checks send thousands of requests; on this course's 2-core machines httpx spends
about 0.4 ms of its own on each, http.client about half of that. Only what the checks need:
`get`/`post`/`put`/`patch`/`delete` with `params=` and `json=`, and responses with
`status_code`, `headers`, `content`, `text` and `json()`.
"""

import http.client
import json as json_module
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode


class Headers(dict[str, str]):
    """Response headers by lower-case name."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(str(key).lower())


class Request:
    def __init__(self, method: str, target: str, content: bytes) -> None:
        self.method = method
        self.target = target
        self.content = content


class Response:
    def __init__(self, request: Request, status: int, headers: Headers, content: bytes) -> None:
        self.request = request
        self.status_code = status
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json_module.loads(self.content)


class Client:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        content: bytes | str | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        # As httpx does: spaces and non-ASCII characters are percent-encoded, escapes kept.
        target = quote(url, safe="/?&=%:@!$'()*+,;~[]")
        if params:
            target += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        sent_headers = dict(headers or {})
        body: bytes | Iterable[bytes] = b""
        chunked = False
        if json is not None:
            body = json_module.dumps(json, ensure_ascii=False).encode()
            sent_headers.setdefault("content-type", "application/json")
        elif isinstance(content, str | bytes):
            body = content.encode() if isinstance(content, str) else content
        elif content is not None:
            body, chunked = content, True  # an iterable of chunks: sent chunked, as httpx does
            sent_headers["transfer-encoding"] = "chunked"
        if not chunked and (body or method in {"POST", "PUT", "PATCH"}):
            sent_headers["content-length"] = str(len(body))  # type: ignore[arg-type]
        connection = self._connection(timeout)
        try:
            connection.request(
                method, target, body=body or None, headers=sent_headers, encode_chunked=chunked
            )
            answer = connection.getresponse()
            data = answer.read()
        except BaseException:
            self.close()  # never reuse a connection left in the middle of an exchange
            raise
        received = Headers({name.lower(): value for name, value in answer.getheaders()})
        if received.get("connection", "").lower() == "close":
            self.close()
        shown_body = body if isinstance(body, bytes) else b"<chunks>"
        return Response(Request(method, target, shown_body), answer.status, received, data)

    def _connection(self, timeout: float | None) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        if self.connection.sock is not None:
            self.connection.sock.settimeout(timeout or self.timeout)
        else:
            self.connection.timeout = timeout or self.timeout
        return self.connection

    def get(self, url: str, **options: Any) -> Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> Response:
        return self.request("POST", url, **options)

    def put(self, url: str, **options: Any) -> Response:
        return self.request("PUT", url, **options)

    def patch(self, url: str, **options: Any) -> Response:
        return self.request("PATCH", url, **options)

    def delete(self, url: str, **options: Any) -> Response:
        return self.request("DELETE", url, **options)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
