#!/usr/bin/python3
"""An independent OCPP 1.6J charge point: the "real charger" that nobody in chargebench controls.

Written against the OCPP 1.6 specification with Debian's python3-websockets (10.4 API) and raw
OCPP-J frames, no OCPP library and nothing of chargebench. Run under /usr/bin/python3:

  real_charger.py --url ws://127.0.0.1:P/ocpp --identity DUT-1 [--already-booted]
                  [--meter-interval S] [--max-kw 11.04] [--hands-port 0] [--connect-delay S]
                  [--no-boot-retry] [--connectors 1] [--heartbeat S] [--reconnect-min S] [--reconnect-max S]

Prints `hands http://127.0.0.1:H` on stdout once its hands HTTP server listens (see
charger_hands.py and charger_actions.py for the actions); everything else goes to stderr. It
reports energy only as Energy.Active.Import.Register (no power measurand), as many chargers do.
Deterministic: no randomness; reconnect backoff doubles from --reconnect-min to --reconnect-max.
"""
import argparse
import asyncio
import json
import signal
import sys
import time

sys.dont_write_bytecode = True  # keep test/peers free of __pycache__

import websockets

from charger_actions import Charger
from charger_hand_actions import hands_routes
from charger_hands import serve


def log(text):
    print(f"[{time.monotonic():.3f}] {text}", file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description="independent OCPP 1.6J peer charger")
    p.add_argument("--url", required=True, help="CSMS base URL; the identity is appended")
    p.add_argument("--identity", required=True)
    p.add_argument("--already-booted", action="store_true", help="booted before the run: no BootNotification on (re)connect")
    p.add_argument("--meter-interval", type=float, default=2.0, help="MeterValueSampleInterval in s (0 = none)")
    p.add_argument("--max-kw", type=float, default=11.04, help="hardware maximum power (kW)")
    p.add_argument("--hands-port", type=int, default=0)
    p.add_argument("--connect-delay", type=float, default=0.0, help="wait this long before the first connect (s)")
    p.add_argument("--no-boot-retry", action="store_true", help="send one BootNotification; do not retry on Pending/Rejected")
    p.add_argument("--connectors", type=int, default=1)
    p.add_argument("--heartbeat", type=float, default=60.0, help="HeartbeatInterval until a BootNotification answer sets it (s)")
    p.add_argument("--refuse-remote-stop", action="store_true", help="answer every RemoteStopTransaction Rejected (firmware that ignores remote stops)")
    p.add_argument("--reconnect-min", type=float, default=0.2)
    p.add_argument("--reconnect-max", type=float, default=5.0)
    a = p.parse_args(argv)
    if a.connectors < 1:
        p.error("--connectors must be at least 1")
    return a


class Link:
    """One OCPP-J WebSocket session: our CALLs (one at a time) and the CSMS's CALLs."""

    def __init__(self, ws, charger):
        self.ws, self.charger = ws, charger
        self.pending = {}
        self.lock = asyncio.Lock()

    async def call(self, action, payload, timeout=30.0):
        async with self.lock:
            msg_id = f"{self.charger.identity}-{next(self.charger.msg_ids)}"
            fut = asyncio.get_running_loop().create_future()
            self.pending[msg_id] = fut
            await self.ws.send(json.dumps([2, msg_id, action, payload]))
            log(f"-> {action} {json.dumps(payload)}")
            try:
                frame = await asyncio.wait_for(fut, timeout)
            finally:
                self.pending.pop(msg_id, None)
        if frame[0] == 4:
            raise RuntimeError(f"{action} answered CALLERROR {frame[2]}: {frame[3]}")
        log(f"<- {action} answer {json.dumps(frame[2])}")
        return frame[2]

    async def read(self):
        async for text in self.ws:
            try:
                frame = json.loads(text)
            except ValueError:
                log(f"ignored a frame that is not JSON: {text[:200]!r}")
                continue
            if not isinstance(frame, list) or len(frame) < 3:
                log(f"ignored a malformed frame: {text[:200]!r}")
                continue
            if frame[0] == 2 and len(frame) >= 4:
                await self.answer(frame[1], frame[2], frame[3] if isinstance(frame[3], dict) else {})
            elif frame[0] in (3, 4):
                fut = self.pending.get(frame[1])
                if fut is not None and not fut.done():
                    fut.set_result(frame)

    async def answer(self, msg_id, action, payload):
        log(f"CALL {action} {json.dumps(payload)}")
        handler = getattr(self.charger, f"on_{action}", None)
        if handler is None:
            await self.ws.send(json.dumps([4, msg_id, "NotImplemented", f"{action} is not implemented", {}]))
            return
        try:
            result, after = handler(payload)
        except (KeyError, TypeError, ValueError) as e:
            await self.ws.send(json.dumps([4, msg_id, "FormationViolation", f"{action}: {type(e).__name__} {e}", {}]))
            return
        except Exception as e:  # a payload the peer did not foresee must not take the link down
            await self.ws.send(json.dumps([4, msg_id, "InternalError", f"{action}: {type(e).__name__} {e}", {}]))
            return
        await self.ws.send(json.dumps([3, msg_id, result]))
        log(f"answered {action} {json.dumps(result)}")
        if after is not None:
            self.charger.spawn(after())

    def fail_pending(self):
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("the connection to the CSMS closed"))


async def session(charger, ws):
    link = Link(ws, charger)
    charger.attach(link)
    reader = asyncio.ensure_future(link.read())
    starter = asyncio.ensure_future(charger.on_connected())
    try:
        await reader
    except websockets.ConnectionClosed as e:
        log(f"connection closed: code {e.code}")
    finally:
        starter.cancel()
        link.fail_pending()
        charger.detach(link)


async def run(args, charger, stopping):
    if args.connect_delay > 0:
        await asyncio.sleep(args.connect_delay)
    backoff = args.reconnect_min
    url = f"{args.url.rstrip('/')}/{args.identity}"
    while not stopping.is_set():
        try:
            async with websockets.connect(url, subprotocols=["ocpp1.6"], ping_interval=None, open_timeout=5, close_timeout=1) as ws:
                if ws.subprotocol != "ocpp1.6":
                    log(f"CSMS did not accept subprotocol ocpp1.6 (got {ws.subprotocol!r}); closing")
                    await ws.close(1002, "ocpp1.6 required")
                else:
                    log(f"connected to {url}")
                    backoff = args.reconnect_min
                    await session(charger, ws)
        except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
            log(f"connect to {url} failed: {type(e).__name__}: {e}")
        if stopping.is_set():
            break
        delay = args.reconnect_min if charger.rebooting else backoff
        backoff = args.reconnect_min if charger.rebooting else min(backoff * 2, args.reconnect_max)
        log(f"reconnecting in {delay:.2f} s")
        try:
            await asyncio.wait_for(stopping.wait(), delay)
        except asyncio.TimeoutError:
            pass


async def main(argv):
    args = parse_args(argv)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    charger = Charger(args, log)
    server = await serve(hands_routes(charger), args.hands_port, log)
    port = server.sockets[0].getsockname()[1]
    print(f"hands http://127.0.0.1:{port}", flush=True)
    runner = asyncio.ensure_future(run(args, charger, stopping))
    await stopping.wait()
    log("SIGTERM: shutting down")
    server.close()
    await charger.shutdown()
    runner.cancel()
    try:
        await runner
    except asyncio.CancelledError:
        pass


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
