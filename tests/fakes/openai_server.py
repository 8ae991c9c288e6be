"""A fake OpenAI-compatible chat-completions vendor, served over real HTTP on 127.0.0.1.

It stands in for a paid vendor (OpenAI, Azure OpenAI, a hosted vLLM...): the cloud tier's
tests and benchmark must not spend money or need the internet, yet they must drive the
real httpx client through real sockets. Each *model name* is a separate scripted vendor
behaviour, so one server can play several providers. It can be told to answer, be slow,
fail (500), answer 429 with ``Retry-After``, return malformed JSON, or hang.

    with FakeVendor() as vendor:
        vendor.answer("gpt-a", Reply.ok("ANSWER: yes\\nCONFIDENCE: 0.9"))
        vendor.script("gpt-b", Reply.fail(500), Reply.ok("ANSWER: no"))  # then default
        ... base_url = vendor.base_url ...
        assert vendor.requests_for("gpt-b")[0].body["max_tokens"] == 64

Every request is recorded (body and headers), so tests can assert what would have left.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str = "ANSWER: yes\nCONFIDENCE: 0.9"
    status: int = 200
    delay_s: float = 0.0
    retry_after: str | None = None
    malformed: bool = False
    hang: bool = False
    usage: tuple[int, int] | None = None  # (prompt, completion); default: word counts
    logprobs: tuple[float, ...] | None = None

    @classmethod
    def ok(cls, text: str, **kw: Any) -> Reply:
        return cls(text=text, **kw)

    @classmethod
    def slow(cls, delay_s: float, text: str = "ANSWER: yes\nCONFIDENCE: 0.9") -> Reply:
        return cls(text=text, delay_s=delay_s)

    @classmethod
    def fail(cls, status: int = 500) -> Reply:
        return cls(status=status)

    @classmethod
    def rate_limited(cls, retry_after: str = "1") -> Reply:
        return cls(status=429, retry_after=retry_after)

    @classmethod
    def malformed_json(cls) -> Reply:
        return cls(malformed=True)

    @classmethod
    def hanging(cls) -> Reply:
        return cls(hang=True)


@dataclass
class Recorded:
    model: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    @property
    def system(self) -> str:
        return str(self.body["messages"][0]["content"])

    @property
    def user(self) -> str:
        return str(self.body["messages"][-1]["content"])


Responder = Reply | Callable[[Recorded], Reply]


class FakeVendor:
    """The server and its script. Thread-safe; a context manager."""

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self._defaults: dict[str, Responder] = {}
        self._closing = threading.Event()
        self.requests: list[Recorded] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": []})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._send(400, {"error": {"message": "bad json"}})
                    return
                model = str(body.get("model", ""))
                rec = Recorded(model, body, {k.lower(): v for k, v in self.headers.items()})
                with vendor._lock:
                    vendor.requests.append(rec)
                    vendor.in_flight[model] = vendor.in_flight.get(model, 0) + 1
                    vendor.max_in_flight[model] = max(
                        vendor.max_in_flight.get(model, 0), vendor.in_flight[model]
                    )
                try:
                    self._reply(vendor._next(rec), rec)
                finally:
                    with vendor._lock:
                        vendor.in_flight[model] -= 1

            def _reply(self, reply: Reply, rec: Recorded) -> None:
                if reply.hang:
                    vendor._closing.wait(30.0)
                    self.close_connection = True
                    return
                if reply.delay_s:
                    vendor._closing.wait(reply.delay_s)
                if reply.status != 200:
                    headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
                    self._send(reply.status, {"error": {"message": "scripted"}}, headers)
                    return
                if reply.malformed:
                    self._send_raw(200, b'{"choices": [{"message": {"content": "trunc')
                    return
                self._send(200, completion_body(rec, reply))

            def _send(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
                self._send_raw(status, json.dumps(obj).encode(), headers)

            def _send_raw(
                self, status: int, data: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, model: str, *replies: Reply) -> None:
        """Queue replies for ``model``, used once each, in order, before its default."""
        with self._lock:
            self._scripts.setdefault(model, deque()).extend(replies)

    def answer(self, model: str, responder: Responder) -> None:
        """The reply (or a function of the request) once ``model``'s script is used up."""
        with self._lock:
            self._defaults[model] = responder

    def requests_for(self, model: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.model == model]

    def _next(self, rec: Recorded) -> Reply:
        with self._lock:
            queue = self._scripts.get(rec.model)
            if queue:
                return queue.popleft()
            responder = self._defaults.get(rec.model, Reply())
        return responder(rec) if callable(responder) else responder

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5.0)

    def __enter__(self) -> FakeVendor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def completion_body(rec: Recorded, reply: Reply) -> dict[str, Any]:
    """An OpenAI chat-completions response body for ``reply.text``."""
    prompt_words = sum(len(str(m.get("content", "")).split()) for m in rec.body["messages"])
    prompt, completion = reply.usage or (prompt_words, len(reply.text.split()))
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": reply.text},
        "finish_reason": "stop",
    }
    if reply.logprobs is not None:
        choice["logprobs"] = {
            "content": [{"token": f"t{i}", "logprob": lp} for i, lp in enumerate(reply.logprobs)]
        }
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": rec.model,
        "choices": [choice],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Serve from its own process (benchmarks keep the vendor off the client's GIL).

    ``python -m tests.fakes.openai_server --delay m1=0.05 --delay m2=0.1`` prints
    ``port N`` on stdout, then serves until stdin closes.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--delay", action="append", default=[], metavar="MODEL=SECONDS")
    parser.add_argument("--text", default="ANSWER: yes\nCONFIDENCE: 0.9")
    args = parser.parse_args(argv)
    with FakeVendor() as vendor:
        for spec in args.delay:
            model, _, seconds = spec.partition("=")
            vendor.answer(model, Reply.slow(float(seconds), args.text))
        print(f"port {vendor.port}", flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
