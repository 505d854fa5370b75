"""The "hands" HTTP server of the independent peer charger (test/peers/real_charger.py).

A deliberately small HTTP/1.1 server on asyncio streams (one request per connection): what a lab's
relay box or EV simulator would expose. Parameters come from the query string, or from a JSON
object body as a fallback. Every answer is JSON: 200 {"ok": true, ...} or 4xx {"ok": false,
"error": "..."}.
"""
import asyncio
import json
from urllib.parse import parse_qs, urlsplit

REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 500: "Internal Server Error"}


class HandsError(Exception):
    """A hands action that cannot be done: answered with `status` and the message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


async def read_request(reader):
    line = (await reader.readline()).decode("latin-1").strip()
    parts = line.split(" ")
    if len(parts) != 3:
        raise HandsError(400, f"malformed request line {line!r}")
    headers = {}
    while True:
        h = (await reader.readline()).decode("latin-1")
        if h in ("\r\n", "\n", ""):
            break
        name, _, value = h.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length > 0 else b""
    url = urlsplit(parts[1])
    params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
    if body:
        try:
            extra = json.loads(body)
        except ValueError:
            extra = None
        if isinstance(extra, dict):
            for k, v in extra.items():
                if not params.get(k):
                    params[k] = str(v)
    return parts[0].upper(), url.path.rstrip("/") or "/", params


async def serve(routes, port, log):
    """Listen on 127.0.0.1:`port`; routes maps (method, path) to async fn(params) -> dict."""
    async def handle(reader, writer):
        after = None
        try:
            method, path, params = await read_request(reader)
            log(f"hands {method} {path} {json.dumps(params, sort_keys=True)}")
            fn = routes.get((method, path))
            if fn is None:
                allowed = [m for (m, p) in routes if p == path]
                if allowed:
                    raise HandsError(405, f"{method} {path}: use {' or '.join(allowed)}")
                raise HandsError(404, f"no hands action {path}; known: {', '.join(sorted({p for _, p in routes}))}")
            result = await fn(params)
            after = result.pop("_after", None)
            status, answer = 200, {"ok": True, **result}
        except HandsError as e:
            status, answer = e.status, {"ok": False, "error": str(e)}
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        except Exception as e:  # a bug in the peer must still answer, not hang the caller
            status, answer = 500, {"ok": False, "error": f"{type(e).__name__}: {e}"}
        body = json.dumps(answer).encode()
        writer.write(f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        try:
            await writer.drain()
        finally:
            writer.close()
        if after is not None:
            await after()

    return await asyncio.start_server(handle, "127.0.0.1", port)
