#!/usr/bin/python3
"""Independent slcan peer for chargebench's CAN tests, built on python-can's slcan interface.

peer   <tty> <bitrate>            open one slcan channel; print every received frame as a JSON line
                                  ({"rx": ...}); send frames given on stdin as JSON lines
                                  ({"id": 123, "ext": true, "data": "0102"}); "quit" ends.
bridge <ttyA> <ttyB> <bitrate>    forward every frame between two slcan channels and print each one
                                  ({"from": "a"|"b", ...}): python-can reading the bus in the middle.
Prints {"ready": true} once the channels are open.
"""
import json
import sys
import threading

import can


def open_bus(tty, bitrate):
    return can.interface.Bus(interface="slcan", channel=tty, bitrate=bitrate, sleep_after_open=0)


def describe(msg):
    return {"id": msg.arbitration_id, "ext": msg.is_extended_id, "rtr": msg.is_remote_frame,
            "dlc": msg.dlc, "data": bytes(msg.data).hex()}


lock = threading.Lock()


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def peer(tty, bitrate):
    bus = open_bus(tty, bitrate)
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            msg = bus.recv(0.05)
            if msg is not None:
                emit({"rx": describe(msg)})

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    emit({"ready": True})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if line == "quit":
            break
        spec = json.loads(line)
        msg = can.Message(arbitration_id=spec["id"], is_extended_id=bool(spec["ext"]),
                          data=bytes.fromhex(spec.get("data", "")))
        bus.send(msg)
        emit({"sent": describe(msg)})
    stop.set()
    t.join(1)
    bus.shutdown()


def bridge(tty_a, tty_b, bitrate):
    a = open_bus(tty_a, bitrate)
    b = open_bus(tty_b, bitrate)
    stop = threading.Event()

    def pump(src, dst, name):
        while not stop.is_set():
            msg = src.recv(0.02)
            if msg is None:
                continue
            out = can.Message(arbitration_id=msg.arbitration_id, is_extended_id=msg.is_extended_id,
                              is_remote_frame=msg.is_remote_frame, dlc=msg.dlc, data=msg.data)
            dst.send(out)
            emit({"from": name, **describe(msg)})

    threads = [threading.Thread(target=pump, args=(a, b, "a"), daemon=True),
               threading.Thread(target=pump, args=(b, a, "b"), daemon=True)]
    for t in threads:
        t.start()
    emit({"ready": True})
    for line in sys.stdin:
        if line.strip() == "quit":
            break
    stop.set()
    for t in threads:
        t.join(1)
    a.shutdown()
    b.shutdown()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "peer":
        peer(sys.argv[2], int(sys.argv[3]))
    elif mode == "bridge":
        bridge(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: can_slcan_peer.py peer <tty> <bitrate> | bridge <ttyA> <ttyB> <bitrate>")
