#!/usr/bin/python3
"""An independent OCPP-J station written against the spec, not against chargebench.

Runs Boot -> Authorize -> Start -> MeterValues -> Stop against a CSMS URL with Debian's
python3-websockets and prints one JSON line per exchange. Exit 0 when every answer is what the
spec says a CSMS must answer, 1 otherwise. Usage: ocpp_raw_client.py <csms-base-url> <identity> <1.6|2.0.1> <idTag>
"""
import asyncio
import itertools
import json
import sys

import websockets

URL, IDENTITY, VERSION, ID_TAG = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
PROTOCOL = "ocpp1.6" if VERSION == "1.6" else "ocpp2.0.1"
NOW = "2026-01-01T00:00:00Z"
ids = itertools.count(1)
failures = []


def check(label, cond, detail):
    print(json.dumps({"check": label, "ok": bool(cond), "detail": detail}), flush=True)
    if not cond:
        failures.append(label)


async def call(ws, action, payload):
    msg_id = f"py-{next(ids)}"
    await ws.send(json.dumps([2, msg_id, action, payload]))
    while True:
        frame = json.loads(await ws.recv())
        if frame[0] == 2:  # a CSMS-initiated call (e.g. the load manager's SetChargingProfile)
            answer = {"status": "Accepted"} if frame[2] in ("SetChargingProfile", "ClearChargingProfile") else None
            if answer is None:
                await ws.send(json.dumps([4, frame[1], "NotImplemented", "raw client", {}]))
            else:
                await ws.send(json.dumps([3, frame[1], answer]))
            print(json.dumps({"csms-call": frame[2]}), flush=True)
            continue
        if frame[1] != msg_id:
            continue
        print(json.dumps({"action": action, "answer": frame}), flush=True)
        return frame


async def run16(ws):
    f = await call(ws, "BootNotification", {"chargePointVendor": "PyRaw", "chargePointModel": "Independent"})
    check("boot accepted", f[0] == 3 and f[2].get("status") == "Accepted" and isinstance(f[2].get("interval"), int), f)
    await call(ws, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"})
    f = await call(ws, "Authorize", {"idTag": ID_TAG})
    check("authorize accepted", f[0] == 3 and f[2]["idTagInfo"]["status"] == "Accepted", f)
    f = await call(ws, "StartTransaction", {"connectorId": 1, "idTag": ID_TAG, "meterStart": 1000, "timestamp": NOW})
    tx = f[2].get("transactionId") if f[0] == 3 else None
    check("start gives a transactionId", isinstance(tx, int) and f[2]["idTagInfo"]["status"] == "Accepted", f)
    f = await call(ws, "MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [
        {"timestamp": NOW, "sampledValue": [{"value": "1500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                                           {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"}]}]})
    check("meter values answered", f[0] == 3 and f[2] == {}, f)
    f = await call(ws, "StopTransaction", {"transactionId": tx, "meterStop": 3500, "timestamp": NOW, "reason": "Local"})
    check("stop answered", f[0] == 3, f)
    # a malformed call must get a CALLERROR, not a dropped connection
    f = await call(ws, "Heartbeat", {"unexpected": True})
    check("malformed call gets CALLERROR", f[0] == 4, f)
    f = await call(ws, "Heartbeat", {})
    check("heartbeat after error", f[0] == 3 and "currentTime" in f[2], f)


async def run201(ws):
    f = await call(ws, "BootNotification", {"reason": "PowerUp", "chargingStation": {"vendorName": "PyRaw", "model": "Independent"}})
    check("boot accepted", f[0] == 3 and f[2].get("status") == "Accepted", f)
    await call(ws, "StatusNotification", {"timestamp": NOW, "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1})
    token = {"idToken": ID_TAG, "type": "ISO14443"}
    f = await call(ws, "Authorize", {"idToken": token})
    check("authorize accepted", f[0] == 3 and f[2]["idTokenInfo"]["status"] == "Accepted", f)
    base = {"transactionInfo": {"transactionId": "py-tx-1"}, "evse": {"id": 1, "connectorId": 1}}
    f = await call(ws, "TransactionEvent", {**base, "eventType": "Started", "timestamp": NOW, "triggerReason": "Authorized", "seqNo": 0,
                                           "idToken": token, "meterValue": [{"timestamp": NOW, "sampledValue": [
                                               {"value": 1000, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}}]}]})
    check("started answered with token info", f[0] == 3 and f[2].get("idTokenInfo", {}).get("status") == "Accepted", f)
    f = await call(ws, "MeterValues", {"evseId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 1500, "measurand": "Energy.Active.Import.Register"}]}]})
    check("meter values answered", f[0] == 3 and f[2] == {}, f)
    f = await call(ws, "TransactionEvent", {**base, "eventType": "Updated", "timestamp": NOW, "triggerReason": "MeterValuePeriodic", "seqNo": 1,
                                           "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 2000, "measurand": "Energy.Active.Import.Register"}]}]})
    check("updated answered", f[0] == 3, f)
    f = await call(ws, "TransactionEvent", {"eventType": "Ended", "timestamp": NOW, "triggerReason": "StopAuthorized", "seqNo": 2,
                                           "transactionInfo": {"transactionId": "py-tx-1", "stoppedReason": "Local"},
                                           "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 3500, "measurand": "Energy.Active.Import.Register",
                                                                                               "context": "Transaction.End"}]}]})
    check("ended answered", f[0] == 3, f)
    f = await call(ws, "Heartbeat", {"unexpected": True})
    check("malformed call gets CALLERROR", f[0] == 4, f)


async def main():
    async with websockets.connect(f"{URL.rstrip('/')}/{IDENTITY}", subprotocols=[PROTOCOL]) as ws:
        check("subprotocol negotiated", ws.subprotocol == PROTOCOL, ws.subprotocol)
        await (run16(ws) if VERSION == "1.6" else run201(ws))
    print(json.dumps({"failures": failures}), flush=True)
    sys.exit(1 if failures else 0)


asyncio.run(asyncio.wait_for(main(), timeout=20))
