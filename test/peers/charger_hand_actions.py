"""What a lab's hands do to the independent peer charger (test/peers/real_charger.py): plug and
unplug the EV, present an idTag, cause and clear an EV-side fault, drop the charger dead, read its
state. Served over HTTP by charger_hands.serve; each action answers a dict or raises HandsError.
"""
import functools
import os
import time

from charger_actions import ERROR_CODES
from charger_hands import HandsError


def hands_routes(charger):
    """(method, path) -> async fn(query params) for charger_hands.serve."""
    table = {("POST", "/plug"): hand_plug, ("POST", "/unplug"): hand_unplug,
             ("POST", "/authorize"): hand_authorize, ("POST", "/fault"): hand_fault,
             ("POST", "/clear-fault"): hand_clear_fault, ("POST", "/die"): hand_die,
             ("GET", "/state"): hand_state}
    return {key: functools.partial(fn, charger) for key, fn in table.items()}


def connector_of(charger, q):
    text = q.get("connector") or "1"
    if not text.isdigit():
        raise HandsError(400, f"connector must be a number, got {text!r}")
    return charger.conn(int(text))


async def hand_plug(charger, q):
    c = connector_of(charger, q)
    if c.plugged:
        raise HandsError(409, f"connector {c.id} is already plugged")
    c.plugged, c.auto_plugged = True, False
    if c.pending_tag and c.fault is None and charger.online.is_set():
        await charger.start_tx(c, c.pending_tag)
    elif c.fault is None:
        await charger.set_status(c)
    return {"connector": c.id, "status": c.status}


async def hand_unplug(charger, q):
    c = connector_of(charger, q)
    if not c.plugged:
        raise HandsError(409, f"connector {c.id} is not plugged")
    c.plugged = c.auto_plugged = False
    if c.tx_id is not None:
        await charger.stop_tx(c, "EVDisconnected")
    if c.fault is None:
        await charger.set_status(c)
    return {"connector": c.id, "status": c.status}


async def hand_authorize(charger, q):
    c, id_tag = connector_of(charger, q), q.get("idTag") or ""
    if not id_tag:
        raise HandsError(400, "authorize needs an idTag")
    if not charger.online.is_set():
        raise HandsError(409, "not connected to the CSMS (or not booted): cannot authorize")
    if c.fault is not None:
        raise HandsError(409, f"connector {c.id} is faulted ({c.fault})")
    ans = await charger.call("Authorize", {"idTag": id_tag})
    status = ans.get("idTagInfo", {}).get("status")
    out = {"connector": c.id, "idTagStatus": status}
    if status == "Accepted":
        if c.tx_id is not None and c.id_tag == id_tag:
            await charger.stop_tx(c, "Local")
        elif c.tx_id is None and c.plugged:
            await charger.start_tx(c, id_tag)
        elif c.tx_id is None:
            c.pending_tag = id_tag
            await charger.set_status(c, "Preparing")
    out.update(status=c.status, transactionId=c.tx_id)
    return out


async def hand_fault(charger, q):
    c, code = connector_of(charger, q), q.get("errorCode") or "OtherError"
    if code not in ERROR_CODES:
        raise HandsError(400, f"errorCode {code!r} is not an OCPP 1.6 ChargePointErrorCode ({', '.join(sorted(ERROR_CODES))})")
    if c.fault is not None:
        raise HandsError(409, f"connector {c.id} is already faulted ({c.fault}); clear it first")
    charger.refresh(c)
    c.fault = code
    charger.refresh(c)
    await charger.set_status(c, "Faulted")
    return {"connector": c.id, "status": c.status, "errorCode": code}


async def hand_clear_fault(charger, q):
    c = connector_of(charger, q)
    if c.fault is None:
        raise HandsError(409, f"connector {c.id} is not faulted")
    charger.refresh(c)
    c.fault = None
    charger.refresh(c)
    await charger.set_status(c)
    return {"connector": c.id, "status": c.status}


async def hand_die(charger, q):
    async def die():
        charger.log("die: exiting without closing the WebSocket or stopping transactions")
        os._exit(0)
    return {"dying": True, "_after": die}


async def hand_state(charger, q):
    out = []
    for c in charger.connectors.values():
        charger.refresh(c)
        limit = charger.book.limit_w(c.id, time.time(), c.tx_start_s)
        out.append({"connectorId": c.id, "status": c.status, "errorCode": c.fault or "NoError", "plugged": c.plugged,
                    "transactionId": c.tx_id, "idTag": c.id_tag if c.tx_id is not None else None,
                    "powerW": round(c.power_w, 3), "energyWh": round(c.energy_wh, 3), "limitW": limit})
    return {"identity": charger.identity, "connected": charger.link is not None, "booted": charger.booted,
            "online": charger.online.is_set(), "connectors": out}
