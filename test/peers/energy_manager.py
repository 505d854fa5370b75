#!/usr/bin/python3
"""An external energy manager (site controller) for chargebench's Modbus charger tests, written
against pymodbus (Debian python3-pymodbus, 3.0) as an independent Modbus master, run as its own
process. It polls the grid meter (Eastron SDM630 map: input register 0x0034, float32, high word
first) and every charger's power (chargebench generic map: holding register 112, float32), and
during a DR event writes each charger a current setpoint (generic map: holding register 10,
float32 A, FC16) so that grid import stays under the limit, rewriting it every --refresh seconds.

It is steered by a webhook (chargebench's `energyManager: { kind: http }`): POST JSON
  {"event": "site-limit", "limitW": ...}   start / change the DR limit
  {"event": "restore"}                     end of the event: chargers get their maximum
  {"event": "stop"} / {"event": "resume"}  stop refreshing (a crashed controller) / refresh again

Usage: energy_manager.py --webhook-port P --grid HOST:PORT[:UNIT] --charger HOST:PORT[:UNIT] ...
Prints "ready <port>" once the webhook listens. Connections to the meter and chargers are retried
until they answer (the rig may start after this process).
"""
import argparse
import json
import signal
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pymodbus.client import ModbusTcpClient


def endpoint(text):
    parts = text.split(":")
    return parts[0], int(parts[1]), int(parts[2]) if len(parts) > 2 else 1


def f32(regs):
    return struct.unpack(">f", struct.pack(">HH", regs[0], regs[1]))[0]


def f32_regs(value):
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.limit_w = None
        self.active = False
        self.stopped = False


def make_handler(state, log):
    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0") or 0))
            try:
                event = json.loads(body or b"{}")
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            with state.lock:
                kind = event.get("event")
                if kind == "site-limit":
                    state.limit_w = float(event["limitW"])
                    state.active = True
                elif kind == "restore":
                    state.limit_w = None
                elif kind == "stop":
                    state.stopped = True
                elif kind == "resume":
                    state.stopped = False
                else:
                    self.send_response(400)
                    self.end_headers()
                    return
            log("event %s" % json.dumps(event))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    return Hook


class Link:
    """One Modbus TCP master connection, reconnected on failure."""

    def __init__(self, host, port, unit):
        self.host, self.port, self.unit = host, port, unit
        self.client = None

    def _client(self):
        if self.client is None or not self.client.connected:
            self.client = ModbusTcpClient(self.host, port=self.port, timeout=2)
            if not self.client.connect():
                self.client = None
                raise ConnectionError("cannot connect to %s:%d" % (self.host, self.port))
        return self.client

    def read_float(self, address, input_registers=False):
        c = self._client()
        rr = (c.read_input_registers if input_registers else c.read_holding_registers)(address, 2, slave=self.unit)
        if rr.isError():
            raise IOError("read %d from %s:%d: %s" % (address, self.host, self.port, rr))
        return f32(rr.registers)

    def write_float(self, address, value):
        rr = self._client().write_registers(address, f32_regs(value), slave=self.unit)
        if rr.isError():
            raise IOError("write %d to %s:%d: %s" % (address, self.host, self.port, rr))

    def close(self):
        if self.client is not None:
            self.client.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--webhook-port", type=int, required=True)
    ap.add_argument("--grid", required=True, help="HOST:PORT[:UNIT] of the SDM630 grid meter")
    ap.add_argument("--charger", action="append", required=True, help="HOST:PORT[:UNIT] of a charger (generic map)")
    ap.add_argument("--poll", type=float, default=1.0)
    ap.add_argument("--refresh", type=float, default=10.0)
    ap.add_argument("--margin", type=float, default=500.0)
    ap.add_argument("--voltage", type=float, default=230.0)
    ap.add_argument("--phases", type=int, default=3)
    ap.add_argument("--max-current", type=float, default=32.0)
    ap.add_argument("--min-current", type=float, default=6.0)
    args = ap.parse_args()

    def log(msg):
        sys.stderr.write("energy-manager: %s\n" % msg)
        sys.stderr.flush()

    state = State()
    server = ThreadingHTTPServer(("127.0.0.1", args.webhook_port), make_handler(state, log))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    grid = Link(*endpoint(args.grid))
    chargers = [Link(*endpoint(c)) for c in args.charger]
    running = [True]

    def stop(_sig, _frame):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready %d" % server.server_address[1], flush=True)

    last = {}
    while running[0]:
        time.sleep(args.poll)
        with state.lock:
            active, stopped, limit_w = state.active, state.stopped, state.limit_w
        if not active or stopped:
            if stopped:
                last.clear()
            continue
        try:
            grid_w = grid.read_float(0x34, input_registers=True)
            powers = [c.read_float(112) for c in chargers]
        except Exception as err:  # the rig may not be up yet, or is going away
            log("poll failed: %s" % err)
            continue
        other_w = grid_w - sum(powers)
        if limit_w is None:
            amps = args.max_current
        else:
            share = max(0.0, limit_w - args.margin - other_w) / len(chargers)
            amps = min(args.max_current, int(share / (args.voltage * args.phases) * 10) / 10.0)
            if amps < args.min_current:
                amps = 0.0
        now = time.monotonic()
        for i, c in enumerate(chargers):
            prev = last.get(i)
            if prev is not None and abs(prev[0] - amps) < 0.5 and now - prev[1] < args.refresh:
                continue
            try:
                c.write_float(10, amps)
                last[i] = (amps, now)
                log("charger %d: %.1f A (grid %.0f W, other %.0f W, limit %s)" % (i + 1, amps, grid_w, other_w, limit_w))
            except Exception as err:
                log("write failed: %s" % err)
    server.shutdown()
    for link in [grid] + chargers:
        link.close()


if __name__ == "__main__":
    main()
