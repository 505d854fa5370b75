"""A raw OCPP 1.6 CSMS on python3-websockets, with no chargebench code: an independent peer for
real-clock budgets. It accepts every BootNotification at once, answers every other CALL with {}
except Heartbeat, which it holds HOLD_S seconds before answering ("answer") or never answers
("silent"). Prints its port on the first line; runs until killed. With --print-close it also prints
one line per connection once it has ended: "closed PATH CODE REASON", the close code and reason it
received from the station (1006 when none came: the connection was cut).

    /usr/bin/python3 test/peers/ocpp_raw_csms.py answer|silent HOLD_S [--print-close]
"""
import asyncio
import datetime
import json
import sys

import websockets

MODE = sys.argv[1]
HOLD_S = float(sys.argv[2])
PRINT_CLOSE = '--print-close' in sys.argv[3:]


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace('+00:00', 'Z')


async def handler(ws, *args):
    try:
        async for msg in ws:
            frame = json.loads(msg)
            if frame[0] != 2:
                continue
            action = frame[2]
            if action == 'BootNotification':
                await ws.send(json.dumps([3, frame[1], {'status': 'Accepted', 'currentTime': now(), 'interval': 3600}]))
            elif action == 'Heartbeat':
                if MODE == 'silent':
                    continue
                await asyncio.sleep(HOLD_S)
                await ws.send(json.dumps([3, frame[1], {'currentTime': now()}]))
            else:
                await ws.send(json.dumps([3, frame[1], {}]))
    except websockets.ConnectionClosed:
        pass
    finally:
        if PRINT_CLOSE:
            await ws.wait_closed()
            path = args[0] if args else getattr(ws, 'path', '?')
            print('closed', path, ws.close_code, ws.close_reason or '', flush=True)


async def main():
    async with websockets.serve(handler, '127.0.0.1', 0, subprotocols=['ocpp1.6']) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


asyncio.run(main())
