#!/usr/bin/python3
"""
External CSMS peer of the budget-error benchmark: an OCPP 1.6J WebSocket server (python3-websockets)
that answers every CALL after holding it for a known delay, and prints, per answered CALL, how long
it held it on its own monotonic clock: the ground truth the harness's measured time is compared to.

  /usr/bin/python3 budget-error-peer.py --delay-ms 200 [--deflate]
prints {"url": "ws://127.0.0.1:<port>/ocpp"} once listening, then {"id": <message id>, "heldUs": <us>}
per answer; exits when stdin closes.
"""
import argparse
import asyncio
import json
import sys
import time

import websockets


def now_iso():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--delay-ms', type=float, default=200.0)
    ap.add_argument('--deflate', action='store_true', help='accept permessage-deflate (off by default, as in the Node peer)')
    args = ap.parse_args()
    delay = args.delay_ms / 1000.0

    async def handler(ws, path=None):
        async for raw in ws:
            t_recv = time.monotonic_ns()
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(msg, list) or len(msg) < 4 or msg[0] != 2:
                continue
            msg_id, action = msg[1], msg[2]
            if action == 'BootNotification':
                payload = {'status': 'Accepted', 'currentTime': now_iso(), 'interval': 86400}
            elif action == 'Heartbeat':
                payload = {'currentTime': now_iso()}
            else:
                payload = {}
            # hold until t_recv + delay on this clock, then answer; the ground truth is what was held
            left = delay - (time.monotonic_ns() - t_recv) / 1e9
            if left > 0:
                await asyncio.sleep(left)
            text = json.dumps([3, msg_id, payload])
            t_send = time.monotonic_ns()
            await ws.send(text)
            sys.stdout.write(json.dumps({'id': msg_id, 'action': action, 'heldUs': (t_send - t_recv) / 1000.0}) + '\n')
            sys.stdout.flush()

    server = await websockets.serve(handler, '127.0.0.1', 0, subprotocols=['ocpp1.6'],
                                compression='deflate' if args.deflate else None)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({'url': f'ws://127.0.0.1:{port}/ocpp'}) + '\n')
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
