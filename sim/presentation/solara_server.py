"""Solara's server, with the page's unchanging files compressed once instead of at every visit.

``python -m sim.presentation.solara_server run APP ...`` takes the arguments of ``solara run``
and runs it, with one change: the files every page loads (Solara's front end, the widgets'
scripts, the charting library) are compressed the first time a browser asks for them and
kept. Solara compresses each response as it sends it (Starlette's ``GZipMiddleware`` at
level 9): 9.6 MB for every page opened, 0.68-0.70 s of the server's one core, three quarters
of what opening a page costs it, so a class opening the page in the same minute queued
behind it (benchmarks/README.md, ``bench_app.py --remote``).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Where Solara serves files that do not change while it runs: the front end and the CDN
#: copies from solara-assets, its static files, the widget libraries' scripts.
UNCHANGING = ("/_solara/cdn/", "/static/", "/jupyter/nbextensions/")
#: At most this many compressed bytes are kept (a page's files take 2.7 MB); past it, a
#: response is sent as Solara sends it, so odd addresses cannot fill the server's memory.
KEPT_BYTES = 64 * 2**20
#: Request headers that ask for a part or for a check of a copy the browser has: Solara
#: answers those itself.
PASSED_ON = (b"range", b"if-none-match", b"if-modified-since")


class CompressedOnce:
    """ASGI middleware: a compressed response from ``prefixes`` is kept and sent again as is.

    Only a ``GET`` that accepts gzip, with no range or cache check, and a ``200`` response that
    came compressed, whole and complete, are kept, keyed by path and query; the rest passes
    through untouched.

    Args:
        app: The ASGI application to wrap (Solara's, with its own compression).
        prefixes: Paths whose responses do not change while the server runs.
        limit: Most compressed bytes kept.
    """

    def __init__(
        self, app: ASGIApp, prefixes: tuple[str, ...] = UNCHANGING, limit: int = KEPT_BYTES
    ) -> None:
        self.app, self.prefixes, self.limit = app, prefixes, limit
        self.kept: dict[tuple[str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self.kept_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request: from what is kept, or through ``app`` (keeping its answer)."""
        if not self.may_keep(scope):
            await self.app(scope, receive, send)
            return
        key = (str(scope["path"]), bytes(scope.get("query_string", b"")))
        if key in self.kept:
            status, headers, body = self.kept[key]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: Message = {}
        parts: list[Message] = []

        async def passing(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message)
            await send(message)

        await self.app(scope, receive, passing)
        # A response stopped early (its browser gone) never sends its last part.
        if parts and not parts[-1].get("more_body", False):
            self.keep(key, start, b"".join(bytes(part.get("body", b"")) for part in parts))

    def may_keep(self, scope: Scope) -> bool:
        """Whether the response to this request may come from (or go to) what is kept."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        if not str(scope["path"]).startswith(self.prefixes):
            return False
        headers = dict(scope.get("headers", []))
        return b"gzip" in headers.get(b"accept-encoding", b"") and not any(
            name in headers for name in PASSED_ON
        )

    def keep(self, key: tuple[str, bytes], start: Message, body: bytes) -> None:
        """Keep a whole compressed ``200`` response, if there is room for it."""
        headers = [(bytes(k).lower(), bytes(v)) for k, v in start.get("headers", [])]
        compressed = (b"content-encoding", b"gzip") in headers
        if start.get("status") != 200 or not compressed or not whole_gzip(body):
            return
        if self.kept_bytes + len(body) > self.limit:
            return
        # The body is sent in one piece now: its length replaces any chunked encoding.
        kept = [(k, v) for k, v in headers if k not in (b"content-length", b"transfer-encoding")]
        kept.append((b"content-length", str(len(body)).encode()))
        self.kept[key] = (200, kept, body)
        self.kept_bytes += len(body)


def whole_gzip(body: bytes) -> bool:
    """Whether ``body`` is one gzip stream, whole: a file cut short must not be sent again."""
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        stream.decompress(body)
    except zlib.error:
        return False
    return stream.eof and not stream.unused_data


def main() -> None:
    """Run ``solara run`` with :class:`CompressedOnce` around the application it serves.

    Solara hands uvicorn its application by name (``solara.server.starlette:app``), imported
    only once its settings are made; the wrapper goes on where uvicorn loads it.
    """
    import uvicorn
    from solara.__main__ import main as solara_main

    load = uvicorn.Config.load

    def load_wrapped(self: uvicorn.Config) -> None:
        load(self)
        self.loaded_app = CompressedOnce(self.loaded_app)

    uvicorn.Config.load = load_wrapped  # type: ignore[method-assign]
    sys.argv[0] = "solara"
    solara_main()


if __name__ == "__main__":
    main()
