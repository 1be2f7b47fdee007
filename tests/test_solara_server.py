"""The classroom server's files compressed once: kept, sent again, and what is never kept."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest

from sim.presentation.solara_server import CompressedOnce

SCRIPT = b"function chart() { return 'drawn'; }\n" * 2000


class Files:
    """A stand-in for Solara's server: a file per path, gzip-compressed when asked, in chunks.

    Counts the requests it answers, so a test sees which ones reached it.
    """

    def __init__(self, status: int = 200, cut: bool = False, broken: bool = False) -> None:
        self.status, self.answered = status, 0
        self.cut, self.broken = cut, broken  # stop before the end; send a damaged stream

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.answered += 1
        headers = dict(scope["headers"])
        compress = b"gzip" in headers.get(b"accept-encoding", b"")
        body = gzip.compress(SCRIPT) if compress else SCRIPT
        if self.broken:
            body = body[: len(body) // 3]
        sent = [(b"content-type", b"text/javascript"), (b"etag", b'"v1"')]
        if compress:
            sent += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        await send({"type": "http.response.start", "status": self.status, "headers": sent})
        if self.cut:  # stopped (its browser gone) before saying it was complete
            await send({"type": "http.response.body", "body": body, "more_body": True})
            return
        middle = len(body) // 2  # two pieces, as a streamed file comes
        await send({"type": "http.response.body", "body": body[:middle], "more_body": True})
        await send({"type": "http.response.body", "body": body[middle:], "more_body": False})


def get(
    app: Any,
    path: str,
    *headers: tuple[bytes, bytes],
    method: str = "GET",
    accept: bytes = b"gzip, deflate, br",
) -> tuple[dict[str, Any], bytes]:
    """One request through ``app``: the response's start message and its whole body."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"v=1",
        "headers": [(b"accept-encoding", accept), *headers],
    }
    start: dict[str, Any] = {}
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            body.append(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    return start, b"".join(body)


def test_a_compressed_file_is_kept_and_sent_again_whole() -> None:
    files = Files()
    app = CompressedOnce(files)
    first_start, first = get(app, "/_solara/cdn/echarts.js")
    again_start, again = get(app, "/_solara/cdn/echarts.js")
    assert files.answered == 1
    assert gzip.decompress(first) == gzip.decompress(again) == SCRIPT
    headers = dict(again_start["headers"])
    assert headers[b"content-encoding"] == b"gzip" and headers[b"etag"] == b'"v1"'
    assert headers[b"content-length"] == str(len(again)).encode()
    assert again_start["status"] == first_start["status"] == 200
    assert app.kept_bytes == len(first)


@pytest.mark.parametrize(
    ("path", "headers", "method"),
    [
        ("/", (), "GET"),  # the page itself
        ("/jupyter/api/kernels", (), "GET"),  # not an unchanging file
        ("/static/main.js", ((b"range", b"bytes=0-9"),), "GET"),
        ("/static/main.js", ((b"if-none-match", b'"v1"'),), "GET"),
        ("/static/main.js", (), "HEAD"),
    ],
)
def test_requests_solara_answers_itself_pass_through(
    path: str, headers: tuple[tuple[bytes, bytes], ...], method: str
) -> None:
    files = Files()
    app = CompressedOnce(files)
    for _ in range(2):
        get(app, path, *headers, method=method)
    assert files.answered == 2 and not app.kept


def test_a_request_without_gzip_passes_through_and_gets_the_plain_file() -> None:
    files = Files()
    app = CompressedOnce(files)
    get(app, "/static/main.js")  # kept compressed
    start, body = get(app, "/static/main.js", accept=b"identity")
    assert body == SCRIPT and files.answered == 2
    assert b"content-encoding" not in dict(start["headers"])


def test_an_error_is_not_kept() -> None:
    files = Files(status=404)
    app = CompressedOnce(files)
    get(app, "/static/missing.js")
    get(app, "/static/missing.js")
    assert files.answered == 2 and not app.kept


def test_nothing_is_kept_past_the_limit() -> None:
    files = Files()
    one = len(gzip.compress(SCRIPT))
    app = CompressedOnce(files, limit=one + 1)  # room for one file, not two
    for path in ("/static/a.js", "/static/b.js", "/static/b.js"):
        get(app, path)
    assert list(app.kept) == [("/static/a.js", b"v=1")] and app.kept_bytes == one
    assert files.answered == 3


@pytest.mark.parametrize("files", [Files(cut=True), Files(broken=True)], ids=["cut", "broken"])
def test_a_file_cut_short_or_damaged_is_not_kept(files: Files) -> None:
    app = CompressedOnce(files)
    get(app, "/_solara/cdn/echarts.js")
    get(app, "/_solara/cdn/echarts.js")
    assert files.answered == 2 and not app.kept
