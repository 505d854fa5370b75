"""The charge point's behaviour for test/peers/real_charger.py: connectors, transactions, energy,
the answers to CSMS calls (on_<Action>), and the hands actions. No I/O of its own: it talks to
the CSMS through the attached Link and is driven by the hands HTTP server.
"""
import asyncio
import itertools
import time

import charger_profiles as profiles
from charger_hands import HandsError

ERROR_CODES = {"ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError",
               "LocalListConflict", "OtherError", "OverCurrentFailure", "OverVoltage", "PowerMeterFailure",
               "PowerSwitchFailure", "ReaderFailure", "ResetFailure", "UnderVoltage", "WeakSignal"}
TRIGGERS = ("BootNotification", "Heartbeat", "StatusNotification", "MeterValues")
ENERGY = "Energy.Active.Import.Register"


class Connector:
    def __init__(self, cid):
        self.id, self.status, self.fault = cid, "Available", None
        self.plugged = self.auto_plugged = self.busy = False
        self.tx_id = self.id_tag = self.tx_start_s = self.pending_tag = None
        self.energy_wh, self.power_w, self.last_t, self.last_wall = 0.0, 0.0, None, None


class Charger:
    def __init__(self, args, log):
        self.args, self.log, self.identity = args, log, args.identity
        self.connectors = {i: Connector(i) for i in range(1, args.connectors + 1)}
        self.book = profiles.ProfileBook()
        self.max_w = args.max_kw * 1000.0
        self.heartbeat_s = args.heartbeat
        self.config = {  # key -> [readonly, value]
            "HeartbeatInterval": [False, f"{args.heartbeat:g}"],
            "MeterValueSampleInterval": [False, f"{args.meter_interval:g}"],
            "ConnectionTimeOut": [False, "60"],
            "MeterValuesSampledData": [True, ENERGY],
            "NumberOfConnectors": [True, str(args.connectors)],
            "AuthorizeRemoteTxRequests": [True, "false"],
            "ChargeProfileMaxStackLevel": [True, "10"],
            "ChargingScheduleAllowedChargingRateUnit": [True, "Current,Power"],
            "SupportedFeatureProfiles": [True, "Core,SmartCharging,RemoteTrigger"],
        }
        self.msg_ids = itertools.count(1)
        self.link = None
        self.need_boot = not args.already_booted
        self.booted = args.already_booted
        self.rebooting = False
        self.online = asyncio.Event()
        self.tasks = set()

    # ---- plumbing -------------------------------------------------------------------------
    def spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)

        def done(t):
            self.tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.log(f"task failed: {type(t.exception()).__name__}: {t.exception()}")
        task.add_done_callback(done)

    def attach(self, link):
        self.link = link

    def detach(self, link):
        if self.link is link:
            self.link = None
            self.online.clear()

    async def call(self, action, payload, queue=False):
        """Send a CALL. Transaction messages (queue=True) wait for the link and are retried until delivered."""
        while True:
            if queue:
                await self.online.wait()
            link = self.link
            if link is None:
                raise ConnectionError(f"{action}: not connected to the CSMS")
            try:
                return await link.call(action, payload)
            except ConnectionError:
                if not queue:
                    raise
                self.log(f"{action} not delivered; retrying after reconnect")

    def conn(self, cid):
        c = self.connectors.get(cid)
        if c is None:
            raise HandsError(404, f"no connector {cid} (this charger has {len(self.connectors)})")
        return c

    def refresh(self, c):
        """Integrate energy up to now at the present power, then set the power for the present state."""
        now, c.last_wall = time.monotonic(), time.time()
        if c.last_t is not None:
            c.energy_wh += c.power_w * (now - c.last_t) / 3600.0
        c.last_t = now
        if c.tx_id is None or c.fault is not None or not c.plugged:
            c.power_w = 0.0
        else:
            limit = self.book.limit_w(c.id, time.time(), c.tx_start_s)
            c.power_w = self.max_w if limit is None else max(0.0, min(limit, self.max_w))

    def idle_status(self, c):
        if c.fault is not None:
            return "Faulted"
        if c.tx_id is not None:
            return "Charging" if c.power_w > 0 else "SuspendedEVSE"
        return "Preparing" if c.plugged or c.pending_tag else "Available"

    async def set_status(self, c, status=None):
        """Move to `status` (default: what the state implies) and tell the CSMS, unless nothing changed."""
        status = status or self.idle_status(c)
        if status == c.status:
            return
        c.status = status
        if self.online.is_set():
            try:
                await self.send_status(c.id)
            except ConnectionError:  # the status of every connector is sent again on reconnect
                self.log(f"StatusNotification {status} for connector {c.id} not delivered: the link dropped")

    async def send_status(self, cid):
        c = self.connectors.get(cid)
        status, error = ("Available", "NoError") if c is None else (c.status, c.fault or "NoError")
        await self.call("StatusNotification", {"connectorId": cid, "errorCode": error, "status": status,
                                               "timestamp": profiles.iso(time.time())})

    async def settle(self, c):
        """Refresh the power; tell the CSMS when that moved the status (Charging <-> SuspendedEVSE)."""
        self.refresh(c)
        if c.tx_id is not None and c.status in ("Charging", "SuspendedEVSE") and c.status != self.idle_status(c):
            await self.set_status(c)

    # ---- connection lifecycle -------------------------------------------------------------
    async def send_boot(self):
        ans = await self.call("BootNotification", {"chargePointVendor": "PeerLab", "chargePointModel": "RealCharger-PY",
                                                   "chargePointSerialNumber": self.identity, "firmwareVersion": "1.0.0"})
        status, interval = ans.get("status"), ans.get("interval", 0)
        if status == "Accepted":
            self.booted, self.need_boot = True, False
            if isinstance(interval, (int, float)) and interval > 0:
                self.heartbeat_s = float(interval)
                self.config["HeartbeatInterval"][1] = f"{interval:g}"
        return status, interval

    async def on_connected(self):
        booted_now = self.need_boot
        if self.need_boot:
            while True:
                status, interval = await self.send_boot()
                if status == "Accepted":
                    break
                if self.args.no_boot_retry:
                    self.log(f"boot {status}; --no-boot-retry: waiting for a TriggerMessage")
                    return
                await asyncio.sleep(interval if isinstance(interval, (int, float)) and interval > 0 else 10)
        await self.go_online(heartbeat_now=not booted_now)

    async def go_online(self, heartbeat_now):
        self.rebooting = False
        self.online.set()
        for cid in [0, *self.connectors]:
            if cid:
                self.connectors[cid].status = self.idle_status(self.connectors[cid])
            await self.send_status(cid)
        if heartbeat_now:
            await self.call("Heartbeat", {})
        while True:
            await asyncio.sleep(self.heartbeat_s)
            await self.call("Heartbeat", {})

    async def shutdown(self):
        for t in list(self.tasks):
            t.cancel()
        if self.link is not None:
            await self.link.ws.close(1001, "charger shutting down")

    async def reboot(self, kind):
        self.rebooting = True
        for c in self.connectors.values():
            if c.tx_id is not None:
                await self.stop_tx(c, f"{kind}Reset")
        self.need_boot, self.booted = True, False
        self.online.clear()
        if self.link is not None:
            self.log(f"{kind} reset: closing the connection and booting again")
            await self.link.ws.close(1012, f"{kind} reset")

    # ---- transactions ---------------------------------------------------------------------
    async def start_tx(self, c, id_tag, profile=None):
        c.busy, c.pending_tag, c.id_tag = True, None, id_tag
        try:
            if c.status != "Preparing":
                await self.set_status(c, "Preparing")
            self.refresh(c)
            ans = await self.call("StartTransaction", {"connectorId": c.id, "idTag": id_tag, "meterStart": int(round(c.energy_wh)),
                                                       "timestamp": profiles.iso(time.time())}, queue=True)
            c.tx_id, c.tx_start_s = ans["transactionId"], time.time()
            if profile is not None and profiles.validate(c.id, {**profile, "transactionId": c.tx_id}, c.tx_id) is None:
                self.book.install(c.id, profile, time.time())
            self.refresh(c)
            if ans.get("idTagInfo", {}).get("status") != "Accepted":
                self.log(f"StartTransaction idTagInfo {ans.get('idTagInfo')}: stopping")
                await self.stop_tx(c, "DeAuthorized")
                return
            await self.set_status(c)
            self.spawn(self.meter_loop(c, c.tx_id))
        finally:
            c.busy = False

    async def stop_tx(self, c, reason):
        if c.tx_id is None:
            return
        self.refresh(c)
        tx_id, meter_stop = c.tx_id, int(round(c.energy_wh))
        c.tx_id = c.tx_start_s = None
        self.book.drop_tx_profiles(c.id)
        self.refresh(c)
        await self.call("StopTransaction", {"transactionId": tx_id, "meterStop": meter_stop, "timestamp": profiles.iso(time.time()),
                                            "reason": reason, "idTag": c.id_tag}, queue=True)
        if c.fault is None and c.plugged and reason != "EVDisconnected":
            await self.set_status(c, "Finishing")
        if c.auto_plugged:  # the EV of a remote start without hands leaves after the session
            c.plugged = c.auto_plugged = False
        if c.fault is None and not c.plugged:
            await self.set_status(c, "Available")

    async def meter_loop(self, c, tx_id):
        while c.tx_id == tx_id:
            interval = float(self.config["MeterValueSampleInterval"][1])
            await asyncio.sleep(interval if interval > 0 else 0.5)
            if c.tx_id != tx_id:
                return
            await self.settle(c)
            if interval > 0 and self.online.is_set():
                await self.send_meter(c, "Sample.Periodic")

    async def send_meter(self, c, context):
        self.refresh(c)
        payload = {"connectorId": c.id, "meterValue": [{"timestamp": profiles.iso(c.last_wall), "sampledValue": [
            {"value": f"{c.energy_wh:.3f}", "context": context, "measurand": ENERGY, "location": "Outlet", "unit": "Wh"}]}]}
        if c.tx_id is not None:
            payload["transactionId"] = c.tx_id
        await self.call("MeterValues", payload)

    # ---- CSMS calls: each returns (answer, optional coroutine function run after answering) --
    def on_RemoteStartTransaction(self, p):
        id_tag, cid = p["idTag"], p.get("connectorId")
        free = [c for c in self.connectors.values() if c.tx_id is None and not c.busy and c.fault is None]
        c = next((c for c in free if cid is None or c.id == cid), None)
        profile = p.get("chargingProfile")
        if c is None or (profile is not None and profile.get("chargingProfilePurpose") != "TxProfile"):
            return {"status": "Rejected"}, None
        c.busy = True

        async def go():
            if not c.plugged:
                self.log(f"connector {c.id}: remote start without a plug action; the EV is taken as connected")
                c.plugged = c.auto_plugged = True
            await self.start_tx(c, id_tag, profile)
        return {"status": "Accepted"}, go

    def on_RemoteStopTransaction(self, p):
        c = next((c for c in self.connectors.values() if c.tx_id is not None and c.tx_id == p["transactionId"]), None)
        if c is None or self.args.refuse_remote_stop:
            return {"status": "Rejected"}, None
        return {"status": "Accepted"}, lambda: self.stop_tx(c, "Remote")

    def on_Reset(self, p):
        kind = p["type"]
        if kind not in ("Soft", "Hard"):
            raise ValueError(f"type must be Soft or Hard, got {kind!r}")
        return {"status": "Accepted"}, lambda: self.reboot(kind)

    def on_SetChargingProfile(self, p):
        cid, profile = p["connectorId"], p["csChargingProfiles"]
        c = self.connectors.get(cid)
        why = "unknown connector" if c is None and cid != 0 else profiles.validate(cid, profile, c.tx_id if c else None)
        if why is not None:
            self.log(f"SetChargingProfile rejected: {why}")
            return {"status": "Rejected"}, None
        for x in self.connectors.values():
            self.refresh(x)
        self.book.install(cid, profile, time.time())
        return {"status": "Accepted"}, self.settle_all

    def on_ClearChargingProfile(self, p):
        for x in self.connectors.values():
            self.refresh(x)
        removed = self.book.clear(p)
        return {"status": "Accepted" if removed else "Unknown"}, self.settle_all

    async def settle_all(self):
        for c in self.connectors.values():
            await self.settle(c)

    def on_GetCompositeSchedule(self, p):
        cid, duration, unit = p["connectorId"], int(p["duration"]), p.get("chargingRateUnit", "W")
        if (cid != 0 and cid not in self.connectors) or unit not in ("A", "W"):
            return {"status": "Rejected"}, None
        c = self.connectors.get(cid)
        return profiles.composite(self.book, cid, time.time(), duration, unit, c.tx_start_s if c else None, self.max_w), None

    def on_ChangeConfiguration(self, p):
        key, value = p["key"], str(p["value"])
        entry = self.config.get(key)
        if entry is None:
            return {"status": "NotSupported"}, None
        if entry[0]:
            return {"status": "Rejected"}, None
        try:
            number = float(value)
        except ValueError:
            return {"status": "Rejected"}, None
        if number < 0:
            return {"status": "Rejected"}, None
        entry[1] = value
        if key == "HeartbeatInterval" and number > 0:
            self.heartbeat_s = number
        return {"status": "Accepted"}, None

    def on_GetConfiguration(self, p):
        keys = p.get("key") or list(self.config)
        known = [{"key": k, "readonly": self.config[k][0], "value": self.config[k][1]} for k in keys if k in self.config]
        answer = {"configurationKey": known}
        unknown = [k for k in keys if k not in self.config]
        if unknown:
            answer["unknownKey"] = unknown
        return answer, None

    def on_TriggerMessage(self, p):
        what, cid = p["requestedMessage"], p.get("connectorId")
        if what not in TRIGGERS:
            return {"status": "NotImplemented"}, None
        if cid is not None and cid != 0 and cid not in self.connectors:
            return {"status": "Rejected"}, None
        cids = [cid] if cid is not None else [0, *self.connectors]

        async def go():
            if what == "BootNotification":
                was_online = self.online.is_set()
                status, _ = await self.send_boot()
                if status == "Accepted" and not was_online:
                    await self.go_online(heartbeat_now=False)
            elif what == "Heartbeat":
                await self.call("Heartbeat", {})
            elif what == "StatusNotification":
                for x in cids:
                    await self.send_status(x)
            else:
                for x in cids:
                    if x in self.connectors:
                        await self.send_meter(self.connectors[x], "Trigger")
        return {"status": "Accepted"}, go

    def on_UnlockConnector(self, p):
        c = self.connectors.get(p["connectorId"])
        if c is None:
            return {"status": "NotSupported"}, None

        async def go():
            if c.tx_id is not None:
                await self.stop_tx(c, "UnlockCommand")
        return {"status": "Unlocked"}, go
