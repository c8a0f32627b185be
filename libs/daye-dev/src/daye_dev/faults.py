"""A TCP proxy on loopback in front of a real server (a service, PostgreSQL) whose faults a test
switches on: the server down, slow, answering garbage, or restarted under its clients' feet.

It runs its own event loop in a thread, so tests that call services with blocking clients can use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, Literal, Self

Mode = Literal["pass", "slow", "garbage"]
GARBAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 37\r\nConnection: close\r\n\r\n"
    b"<html><h1>502 Bad Gateway</h1></html>"
)


class FaultyProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target_port` until told otherwise."""

    def __init__(self, target_port: int, port: int) -> None:
        self.target_port = target_port
        self.port = port
        self.mode: Mode = "pass"
        self.delay = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> Self:
        self._thread.start()
        self.up()
        return self

    def __exit__(self, *_: object) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        """Listen again (the server is back)."""
        self._run(self._listen())

    def down(self) -> None:
        """Stop listening and drop every open connection: new ones are refused, as with a dead server."""
        self._run(self._close())

    def restart(self) -> None:
        """What a server restart looks like to its clients: every connection dropped, then it is back."""
        self.down()
        self.up()

    def slow(self, seconds: float) -> None:
        """Hold every answer, on open connections too, for `seconds` before passing it on."""
        self.mode, self.delay = "slow", seconds

    def garbage(self) -> None:
        """Answer every HTTP request with a 200 that is an HTML error page, as a misrouted proxy would.
        Open connections are dropped, so clients reconnect and meet it."""
        self.mode = "garbage"
        self._run(self._drop())

    def heal(self) -> None:
        self.mode, self.delay = "pass", 0.0

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await self._drop()

    async def _drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self.mode == "garbage":
                await reader.readuntil(b"\r\n\r\n")
                writer.write(GARBAGE)
                await writer.drain()
                return
            upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", self.target_port)
            self._writers.add(upstream)
            try:
                await asyncio.gather(_pipe(reader, upstream), self._answer(upstream_reader, writer))
            finally:
                self._writers.discard(upstream)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _answer(self, upstream: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The server's bytes back to the client, held up while the proxy is slow."""
        with contextlib.suppress(ConnectionError, OSError):
            while data := await upstream.read(65536):
                if self.mode == "slow":
                    await asyncio.sleep(self.delay)
                writer.write(data)
                await writer.drain()
        writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
