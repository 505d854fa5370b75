"""OCPP 1.6 smart charging for the independent peer charger (test/peers/real_charger.py).

Pure logic, no I/O: a ProfileBook holds the installed charging profiles and answers "what is the
limit now" and "what is the composite schedule". Per OCPP 1.6 section 3.13: within one purpose the
profile with the highest stackLevel that is valid now wins; a TxProfile overrides the
TxDefaultProfile; ChargePointMaxProfile caps both. Limits in A are converted to W at 230 V per
phase (numberPhases, default 3).
"""
from datetime import datetime, timezone

VOLTAGE = 230.0
PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")


def parse_time(text):
    """ISO 8601 -> epoch seconds, or None when absent or malformed."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()
    except ValueError:
        return None


def iso(epoch_s):
    return datetime.fromtimestamp(epoch_s, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def validate(connector_id, profile, tx_id):
    """Why this SetChargingProfile request must be Rejected, or None when it is acceptable."""
    if not isinstance(profile, dict):
        return "csChargingProfiles missing"
    purpose = profile.get("chargingProfilePurpose")
    if purpose not in PURPOSES:
        return f"unknown chargingProfilePurpose {purpose!r}"
    schedule = profile.get("chargingSchedule")
    if not isinstance(schedule, dict) or schedule.get("chargingRateUnit") not in ("A", "W"):
        return "chargingSchedule.chargingRateUnit must be A or W"
    periods = schedule.get("chargingSchedulePeriod")
    if not isinstance(periods, list) or not periods:
        return "chargingSchedule.chargingSchedulePeriod is empty"
    if any(not isinstance(p.get("limit"), (int, float)) or not isinstance(p.get("startPeriod"), int) for p in periods):
        return "every period needs an integer startPeriod and a numeric limit"
    if purpose == "ChargePointMaxProfile" and connector_id != 0:
        return "ChargePointMaxProfile is only allowed on connector 0"
    if purpose == "TxProfile":
        if tx_id is None:
            return "TxProfile without an active transaction on the connector"
        if profile.get("transactionId") not in (None, tx_id):
            return f"TxProfile for transaction {profile.get('transactionId')}, active is {tx_id}"
    return None


class ProfileBook:
    """Installed profiles as (connectorId, profile, installed_at epoch s)."""

    def __init__(self):
        self.entries = []

    def install(self, connector_id, profile, now_s):
        purpose, level = profile["chargingProfilePurpose"], profile.get("stackLevel", 0)
        self.entries = [e for e in self.entries if not (
            e[1].get("chargingProfileId") == profile.get("chargingProfileId")
            or (e[0] == connector_id and e[1]["chargingProfilePurpose"] == purpose and e[1].get("stackLevel", 0) == level))]
        self.entries.append((connector_id, profile, now_s))

    def clear(self, req):
        """ClearChargingProfile filters (all optional); True when something was removed."""
        def matches(e):
            cid, p, _ = e
            if req.get("id") is not None:
                return p.get("chargingProfileId") == req["id"]
            return ((req.get("connectorId") is None or cid == req["connectorId"])
                    and (req.get("chargingProfilePurpose") is None or p["chargingProfilePurpose"] == req["chargingProfilePurpose"])
                    and (req.get("stackLevel") is None or p.get("stackLevel", 0) == req["stackLevel"]))
        kept = [e for e in self.entries if not matches(e)]
        removed = len(kept) != len(self.entries)
        self.entries = kept
        return removed

    def drop_tx_profiles(self, connector_id):
        self.entries = [e for e in self.entries if not (e[0] == connector_id and e[1]["chargingProfilePurpose"] == "TxProfile")]

    def limit_w(self, connector_id, at_s, tx_start_s):
        """The effective limit in W at `at_s` (epoch s) for a connector, or None when nothing limits it."""
        def best(purpose, cids):
            found = None
            for cid, p, installed in self.entries:
                if cid not in cids or p["chargingProfilePurpose"] != purpose:
                    continue
                w = profile_limit_w(p, at_s, tx_start_s, installed)
                if w is not None and (found is None or p.get("stackLevel", 0) > found[0]):
                    found = (p.get("stackLevel", 0), w)
            return None if found is None else found[1]

        tx = best("TxProfile", (connector_id,))
        if tx is None:
            tx = best("TxDefaultProfile", (connector_id,))
        if tx is None:
            tx = best("TxDefaultProfile", (0,))
        cap = best("ChargePointMaxProfile", (0,))
        limits = [x for x in (tx, cap) if x is not None]
        return min(limits) if limits else None

    def boundaries(self, from_s, to_s, tx_start_s):
        """Epoch times in [from_s, to_s) where some profile's period may change."""
        out = {from_s}
        for _, p, installed in self.entries:
            start = schedule_start(p, tx_start_s, installed, from_s)
            for period in p["chargingSchedule"]["chargingSchedulePeriod"]:
                t = start + period["startPeriod"]
                if from_s < t < to_s:
                    out.add(t)
            duration = p["chargingSchedule"].get("duration")
            if duration is not None and from_s < start + duration < to_s:
                out.add(start + duration)
        return sorted(out)


def schedule_start(profile, tx_start_s, installed_s, at_s):
    kind = profile.get("chargingProfileKind", "Absolute")
    schedule = profile["chargingSchedule"]
    if kind == "Relative":
        return tx_start_s if tx_start_s is not None else installed_s
    start = parse_time(schedule.get("startSchedule"))
    if start is None:
        start = installed_s
    if kind == "Recurring":
        period = 7 * 86400 if profile.get("recurrencyKind") == "Weekly" else 86400
        if at_s >= start:
            start += ((at_s - start) // period) * period
    return start


def profile_limit_w(profile, at_s, tx_start_s, installed_s):
    """This profile's limit in W at `at_s`, or None when it does not apply then."""
    valid_from, valid_to = parse_time(profile.get("validFrom")), parse_time(profile.get("validTo"))
    if (valid_from is not None and at_s < valid_from) or (valid_to is not None and at_s >= valid_to):
        return None
    schedule = profile["chargingSchedule"]
    elapsed = at_s - schedule_start(profile, tx_start_s, installed_s, at_s)
    duration = schedule.get("duration")
    if elapsed < 0 or (duration is not None and elapsed >= duration):
        return None
    current = None
    for period in sorted(schedule["chargingSchedulePeriod"], key=lambda p: p["startPeriod"]):
        if period["startPeriod"] <= elapsed:
            current = period
    if current is None:
        return None
    if schedule["chargingRateUnit"] == "W":
        return float(current["limit"])
    return float(current["limit"]) * VOLTAGE * current.get("numberPhases", 3)


def composite(book, connector_id, now_s, duration_s, unit, tx_start_s, max_w):
    """GetCompositeSchedule answer body for the next `duration_s` seconds."""
    periods = []
    for t in book.boundaries(now_s, now_s + duration_s, tx_start_s):
        w = book.limit_w(connector_id, t, tx_start_s)
        w = max_w if w is None else min(w, max_w)
        limit = round(w / (VOLTAGE * 3), 1) if unit == "A" else round(w, 1)
        if not periods or periods[-1]["limit"] != limit:
            periods.append({"startPeriod": int(round(t - now_s)), "limit": limit})
    return {
        "status": "Accepted", "connectorId": connector_id, "scheduleStart": iso(now_s),
        "chargingSchedule": {"duration": duration_s, "chargingRateUnit": unit, "chargingSchedulePeriod": periods},
    }
