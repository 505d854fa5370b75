import { createRequire } from 'node:module';
import { createValidator } from 'ocpp-rpc';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryTrace } from '../../src/core/trace.js';
import { Rng } from '../../src/core/rng.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { Payload } from '../../src/transport/ocpp-types.js';
import type { StationConfigInput } from '../../emulators/evse/config.js';
import type { StationDialect } from '../../emulators/evse/dialect.js';
import type { QueuedMessage } from '../../emulators/evse/memory.js';
import { ChargeStation } from '../../emulators/evse/station.js';
import { FREE_VEND_ID_TAG, READ_ONLY_KEYS_16, TX_ID_PLACEHOLDER, createDialect16, defaultSettings16, errorFields16 } from '../../emulators/evse/v16/dialect.js';
import { KEYS_16, changeConfiguration, checkValue, getConfiguration } from '../../emulators/evse/v16/handlers-config.js';
import { HANDLERS_16, handlersFor, remoteStartTarget } from '../../emulators/evse/v16/handlers.js';

const require = createRequire(import.meta.url);
const validator = createValidator('ocpp1.6', require('ocpp-rpc/lib/schemas/ocpp1_6.json') as object);

/** Throws (with ajv's message) unless the payload is valid for `urn:<action>.<kind>`. */
function valid(action: string, kind: 'req' | 'conf', payload: unknown): void {
  validator.validate(`urn:${action}.${kind}`, payload);
}

const START = Date.parse('2026-03-02T08:00:00Z');

interface Rig {
  clock: VirtualClock;
  trace: MemoryTrace;
  station: ChargeStation;
  dialect: StationDialect;
}

function rig(config: Partial<StationConfigInput> = {}): Rig {
  const clock = new VirtualClock({ startWallMs: START });
  const trace = new MemoryTrace(clock);
  const station = new ChargeStation({ identity: 'CP-16', evses: 2, meterSampleIntervalS: 60, ...config }, {
    clock, trace, rng: new Rng(1), dialect: createDialect16,
  });
  return { clock, trace, station, dialect: station.dialect };
}

/** Request validated against the schema, handler run, answer validated too. */
async function handle(station: ChargeStation, action: string, params: Payload): Promise<Payload> {
  valid(action, 'req', params);
  const h = HANDLERS_16[action];
  if (!h) throw new Error(`no handler ${action}`);
  const answer = await h(params, station);
  valid(action, 'conf', answer);
  return answer;
}

/** Record station.call instead of sending (the station is not connected in these tests). */
function recordCalls(station: ChargeStation): { action: string; payload: Payload }[] {
  const sent: { action: string; payload: Payload }[] = [];
  vi.spyOn(station, 'call').mockImplementation(async (action: string, payload: Payload) => {
    valid(action, 'req', payload);
    sent.push({ action, payload });
    return action === 'Heartbeat' ? { currentTime: new Date(START).toISOString() } : {};
  });
  return sent;
}

/** Plug connector 1 and authorize: a running transaction whose StartTransaction sits in the queue. */
function startTx(r: Rig, connector = 1, idTag = 'TAG1'): QueuedMessage {
  r.station.plug(connector);
  r.station.requestEnergy(connector);
  r.station.sessions.authorized(connector, idTag);
  const msg = r.station.memory.queue.find((m) => m.action === 'StartTransaction' && m.payload.connectorId === connector);
  if (!msg) throw new Error('no StartTransaction queued');
  return msg;
}

describe('1.6 message builders', () => {
  let r: Rig;
  beforeEach(() => {
    r = rig({ serialNumber: 'SN-1' });
  });

  it('builds a schema-valid BootNotification from the config', () => {
    const { action, payload } = r.dialect.bootNotification('PowerUp');
    expect(action).toBe('BootNotification');
    valid(action, 'req', payload);
    expect(payload).toMatchObject({ chargePointVendor: 'chargebench', chargePointModel: 'VirtualEVSE', chargePointSerialNumber: 'SN-1', firmwareVersion: '1.0.0' });
  });

  it('parses boot answers', () => {
    expect(r.dialect.parseBoot({ status: 'Accepted', currentTime: '2026-03-02T08:00:00Z', interval: 120 })).toEqual({ status: 'Accepted', intervalS: 120 });
    expect(r.dialect.parseBoot({ status: 'Pending', currentTime: '2026-03-02T08:00:00Z', interval: 0 })).toEqual({ status: 'Pending', intervalS: 0 });
    expect(r.dialect.parseBoot({ status: 'Rejected', currentTime: '2026-03-02T08:00:00Z', interval: 30 }).status).toBe('Rejected');
  });

  it('builds Heartbeat and Authorize and parses the Authorize answer', () => {
    valid('Heartbeat', 'req', r.dialect.heartbeat().payload);
    const a = r.dialect.authorize('TAG1');
    valid(a.action, 'req', a.payload);
    expect(r.dialect.parseAuthorize({ idTagInfo: { status: 'Blocked' } })).toBe('Blocked');
  });

  it('reports connector status with the 1.6 vocabulary and error codes', () => {
    const c = r.station.sessions.connector(1);
    let s = r.dialect.statusNotification(c);
    valid(s.action, 'req', s.payload);
    expect(s.payload).toMatchObject({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: '2026-03-02T08:00:00.000Z' });

    c.fault = { errorCode: 'GroundFailure', info: 'RCD tripped' };
    s = r.dialect.statusNotification(c);
    valid(s.action, 'req', s.payload);
    expect(s.payload).toMatchObject({ errorCode: 'GroundFailure', status: 'Faulted', info: 'RCD tripped' });

    c.fault = { errorCode: 'MyVendorThing-42' };
    expect(errorFields16(c)).toEqual({ errorCode: 'OtherError', vendorErrorCode: 'MyVendorThing-42' });
    c.fault = { errorCode: 'OverCurrent' };
    expect(errorFields16(c).errorCode).toBe('OverCurrentFailure');
    c.fault = undefined;
    c.pilot = 'E';
    s = r.dialect.statusNotification(c);
    valid(s.action, 'req', s.payload);
    expect(s.payload).toMatchObject({ errorCode: 'EVCommunicationError', status: 'Faulted' });
  });

  it('builds StartTransaction, MeterValues and StopTransaction', () => {
    const startMsg = startTx(r);
    valid('StartTransaction', 'req', startMsg.payload);
    expect(startMsg.payload).toMatchObject({ connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2026-03-02T08:00:00.000Z' });
    expect(startMsg.localTxId).toBeDefined();

    const c = r.station.sessions.connector(1);
    const tx = c.tx;
    if (!tx) throw new Error('no tx');
    const sample = [
      { measurand: 'Energy.Active.Import.Register', value: 1234.5, unit: 'Wh' as const },
      { measurand: 'Power.Active.Import', value: 11000, unit: 'W' as const },
      { measurand: 'Current.Import', value: 15.94, unit: 'A' as const, phase: 'L1' as const },
      { measurand: 'Voltage', value: 230, unit: 'V' as const, phase: 'L1' as const },
      { measurand: 'SoC', value: 42, unit: 'Percent' as const },
    ];
    const mv = r.dialect.txUpdated(c, tx, sample, 'Periodic');
    if (!mv) throw new Error('no MeterValues built');
    valid(mv.action, 'req', mv.payload);
    expect(mv.payload.transactionId).toBe(TX_ID_PLACEHOLDER);
    const [reading] = mv.payload.meterValue as { timestamp: string; sampledValue: Payload[] }[];
    // MeterValuesSampledData (AC default) leaves SoC out
    expect(reading?.sampledValue.map((v) => v.measurand)).toEqual(['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage']);
    expect(reading?.sampledValue[0]).toEqual({ value: '1234.5', context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' });
    expect(reading?.sampledValue[2]).toMatchObject({ value: '15.94', unit: 'A', phase: 'L1' });
    const trig = r.dialect.txUpdated(c, tx, sample, 'Trigger');
    if (!trig) throw new Error('no MeterValues built');
    expect((trig.payload.meterValue as { sampledValue: Payload[] }[])[0]?.sampledValue[0]?.context).toBe('Trigger');

    const stop = r.dialect.txEnded(c, tx, sample, 'Local');
    valid(stop.action, 'req', stop.payload);
    expect(stop.payload).toMatchObject({ transactionId: TX_ID_PLACEHOLDER, meterStop: 1235, reason: 'Local', idTag: 'TAG1' });
    const data = stop.payload.transactionData as { sampledValue: Payload[] }[];
    expect(data[0]?.sampledValue).toEqual([{ value: '1234.5', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' }]);
    const remote = r.dialect.txEnded(c, tx, sample, 'Remote');
    valid(remote.action, 'req', remote.payload);
    expect(remote.payload.idTag).toBeUndefined();
  });

  it('sends a schema-valid idTag for a transaction without one (free vend)', () => {
    r.station.plug(2);
    r.station.sessions.begin(2, undefined, 'Local');
    const msg = r.station.memory.queue.find((m) => m.action === 'StartTransaction');
    valid('StartTransaction', 'req', msg?.payload);
    expect(msg?.payload.idTag).toBe(FREE_VEND_ID_TAG);
  });

  it('honours MeterValuesSampledData changes and reports SoC by default on DC', () => {
    r.station.setSetting('MeterValuesSampledData', 'Power.Active.Import');
    startTx(r);
    const c = r.station.sessions.connector(1);
    const mv = r.dialect.txUpdated(c, c.tx as NonNullable<typeof c.tx>, r.station.sessions.sample(c), 'Periodic');
    if (!mv) throw new Error('no MeterValues built');
    valid(mv.action, 'req', mv.payload);
    expect((mv.payload.meterValue as { sampledValue: Payload[] }[])[0]?.sampledValue.map((v) => v.measurand)).toEqual(['Power.Active.Import']);
    const dc = rig({ electrical: { kind: 'DC', maxPowerKw: 50 } });
    expect(dc.station.setting('MeterValuesSampledData')).toContain('SoC');
  });
});

describe('1.6 transaction ids through the queue', () => {
  it('fills in the CSMS transactionId learned from StartTransaction', () => {
    const r = rig();
    const startMsg = startTx(r);
    expect(r.dialect.prepareQueued(startMsg, r.station)).toEqual(startMsg.payload);
    r.dialect.onDelivered(startMsg, { idTagInfo: { status: 'Accepted' }, transactionId: 4711 }, r.station);
    expect(r.station.memory.txIds[startMsg.localTxId as string]).toBe(4711);

    r.station.stopTransaction(1, 'Remote');
    const stopMsg = r.station.memory.queue.find((m) => m.action === 'StopTransaction');
    if (!stopMsg) throw new Error('no StopTransaction queued');
    const payload = r.dialect.prepareQueued(stopMsg, r.station);
    valid('StopTransaction', 'req', payload);
    expect(payload.transactionId).toBe(4711);
    expect(payload.reason).toBe('Remote');
  });

  it('sends -1 and traces when the StartTransaction was never answered', () => {
    const r = rig();
    startTx(r);
    r.station.stopTransaction(1, 'Local');
    const stopMsg = r.station.memory.queue.find((m) => m.action === 'StopTransaction');
    if (!stopMsg) throw new Error('no StopTransaction queued');
    expect(r.dialect.prepareQueued(stopMsg, r.station).transactionId).toBe(-1);
    expect(r.trace.records.some((t) => t.kind === 'device' && t.event === 'tx-id-unknown')).toBe(true);
  });

  it('stops a transaction the CSMS did not accept when StopTransactionOnInvalidId is true', () => {
    const r = rig();
    const startMsg = startTx(r);
    r.dialect.onDelivered(startMsg, { idTagInfo: { status: 'Invalid' }, transactionId: 9 }, r.station);
    expect(r.station.sessions.connector(1).tx).toBeUndefined();
    const stop = r.station.memory.queue.find((m) => m.action === 'StopTransaction');
    expect(stop?.payload.reason).toBe('DeAuthorized');
  });

  it('keeps it running when StopTransactionOnInvalidId is false', () => {
    const r = rig();
    r.station.setSetting('StopTransactionOnInvalidId', 'false');
    const startMsg = startTx(r);
    r.dialect.onDelivered(startMsg, { idTagInfo: { status: 'Blocked' }, transactionId: 9 }, r.station);
    expect(r.station.sessions.connector(1).tx).toBeDefined();
  });
});

describe('1.6 configuration keys', () => {
  const settings = defaultSettings16(rig().station.config);

  it('defaults every listed key as a string, with read-only flags', () => {
    for (const key of ['HeartbeatInterval', 'MeterValueSampleInterval', 'ConnectionTimeOut', 'TransactionMessageAttempts', 'TransactionMessageRetryInterval',
      'StopTransactionOnEVSideDisconnect', 'StopTransactionOnInvalidId', 'AuthorizeRemoteTxRequests', 'LocalAuthorizeOffline', 'LocalPreAuthorize',
      'AuthorizationCacheEnabled', 'LocalAuthListEnabled', 'LocalAuthListMaxLength', 'SendLocalListMaxLength', 'MeterValuesSampledData', 'NumberOfConnectors',
      'SupportedFeatureProfiles', 'ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods',
      'MaxChargingProfilesInstalled', 'GetConfigurationMaxKeys', 'ResetRetries', 'UnlockConnectorOnEVSideDisconnect', 'WebSocketPingInterval', 'ClockAlignedDataInterval']) {
      expect(typeof settings[key], key).toBe('string');
      expect(KEYS_16[key], key).toBeDefined();
    }
    expect(settings.MeterValueSampleInterval).toBe('60');
    expect(settings.NumberOfConnectors).toBe('2');
    expect(settings.ConnectionTimeOut).toBe('60');
    expect([...READ_ONLY_KEYS_16].sort()).toEqual(['ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'ChargingScheduleMaxPeriods',
      'GetConfigurationMaxKeys', 'LocalAuthListMaxLength', 'MaxChargingProfilesInstalled', 'NumberOfConnectors', 'SendLocalListMaxLength', 'SupportedFeatureProfiles']);
  });

  it('decides ChangeConfiguration: Accepted, Rejected (read-only / invalid), NotSupported (unknown)', () => {
    expect(changeConfiguration(settings, 'HeartbeatInterval', '120')).toEqual({ status: 'Accepted', value: '120' });
    expect(changeConfiguration(settings, 'HeartbeatInterval', ' 0120 ')).toEqual({ status: 'Accepted', value: '120' });
    expect(changeConfiguration(settings, 'HeartbeatInterval', '12.5').status).toBe('Rejected');
    expect(changeConfiguration(settings, 'HeartbeatInterval', 'soon').status).toBe('Rejected');
    expect(changeConfiguration(settings, 'HeartbeatInterval', '-5').status).toBe('Rejected');
    expect(changeConfiguration(settings, 'LocalPreAuthorize', 'TRUE')).toEqual({ status: 'Accepted', value: 'true' });
    expect(changeConfiguration(settings, 'LocalPreAuthorize', 'yes').status).toBe('Rejected');
    expect(changeConfiguration(settings, 'NumberOfConnectors', '4')).toMatchObject({ status: 'Rejected', reason: 'NumberOfConnectors is read-only' });
    expect(changeConfiguration(settings, 'NoSuchKey', '1').status).toBe('NotSupported');
    expect(changeConfiguration(settings, 'MeterValuesSampledData', 'Energy.Active.Import.Register, SoC')).toEqual({ status: 'Accepted', value: 'Energy.Active.Import.Register,SoC' });
    expect(changeConfiguration(settings, 'MeterValuesSampledData', 'Energy,Bogus').status).toBe('Rejected');
    expect(changeConfiguration(settings, 'MeterValuesSampledData', '').status).toBe('Rejected');
    expect(checkValue(KEYS_16.StopTxnSampledData, '')).toEqual({ ok: true, value: '' });
  });

  it('answers GetConfiguration for all keys, requested keys and unknown keys', () => {
    const all = getConfiguration(settings);
    expect(all.configurationKey.length).toBe(Object.keys(settings).length);
    expect(all.configurationKey.find((k) => k.key === 'NumberOfConnectors')).toEqual({ key: 'NumberOfConnectors', readonly: true, value: '2' });
    const some = getConfiguration(settings, ['HeartbeatInterval', 'Nope', 'HeartbeatInterval']);
    expect(some).toEqual({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] });
  });

  it('refuses more requested keys than GetConfigurationMaxKeys', () => {
    const keys = Array.from({ length: 51 }, (_, i) => `K${i}`);
    expect(() => getConfiguration(settings, keys)).toThrow(/GetConfigurationMaxKeys/);
    expect(getConfiguration(settings, keys.slice(0, 50)).unknownKey.length).toBe(50);
  });

  it('ChangeConfiguration handler stores the value; HeartbeatInterval goes through setSetting', async () => {
    const r = rig();
    const spy = vi.spyOn(r.station, 'setSetting');
    expect(await handle(r.station, 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '45' })).toEqual({ status: 'Accepted' });
    expect(spy).toHaveBeenCalledWith('HeartbeatInterval', '45');
    expect(r.station.setting('HeartbeatInterval')).toBe('45');
    expect(await handle(r.station, 'ChangeConfiguration', { key: 'ChargeProfileMaxStackLevel', value: '99' })).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'ChangeConfiguration', { key: 'Foo', value: '1' })).toEqual({ status: 'NotSupported' });
    const conf = await handle(r.station, 'GetConfiguration', { key: ['HeartbeatInterval', 'Foo'] });
    expect(conf).toEqual({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '45' }], unknownKey: ['Foo'] });
    valid('GetConfiguration', 'conf', await handle(r.station, 'GetConfiguration', {}));
  });
});

describe('1.6 handlers', () => {
  it('registers Core plus the supported feature profiles only', () => {
    const r = rig();
    expect(Object.keys(handlersFor(r.station))).toEqual(expect.arrayContaining(['Reset', 'SetChargingProfile', 'SendLocalList', 'ReserveNow', 'UpdateFirmware', 'TriggerMessage']));
    r.station.memory.settings.SupportedFeatureProfiles = 'Core,SmartCharging';
    const only = Object.keys(handlersFor(r.station));
    expect(only).toContain('SetChargingProfile');
    expect(only).not.toContain('ReserveNow');
    expect(only).not.toContain('TriggerMessage');
  });

  it('answers RemoteStartTransaction before starting the transaction', async () => {
    const r = rig();
    r.station.plug(1);
    expect(await handle(r.station, 'RemoteStartTransaction', { idTag: 'TAG9', connectorId: 1 })).toEqual({ status: 'Accepted' });
    expect(r.station.sessions.connector(1).tx).toBeUndefined();
    await r.clock.runFor(0);
    expect(r.station.sessions.connector(1).tx?.idTag).toBe('TAG9');
    expect(await handle(r.station, 'RemoteStartTransaction', { idTag: 'TAG9', connectorId: 1 })).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'RemoteStartTransaction', { idTag: 'TAG9', connectorId: 3 })).toEqual({ status: 'Rejected' });
    expect(remoteStartTarget(r.station, 'X')?.id).toBe(2);
  });

  it('rejects a RemoteStartTransaction profile that is not a TxProfile', async () => {
    const r = rig();
    const profile = { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } };
    expect(await handle(r.station, 'RemoteStartTransaction', { idTag: 'T', connectorId: 1, chargingProfile: profile })).toEqual({ status: 'Rejected' });
    const tx = { ...profile, chargingProfilePurpose: 'TxProfile' };
    expect(await handle(r.station, 'RemoteStartTransaction', { idTag: 'T', connectorId: 1, chargingProfile: tx })).toEqual({ status: 'Accepted' });
  });

  it('maps the CSMS transactionId for RemoteStop and TxProfiles', async () => {
    const r = rig();
    const startMsg = startTx(r);
    r.dialect.onDelivered(startMsg, { idTagInfo: { status: 'Accepted' }, transactionId: 77 }, r.station);
    const txProfile = (transactionId: number): Payload => ({
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 5, transactionId, stackLevel: 1, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } },
    });
    expect(await handle(r.station, 'SetChargingProfile', txProfile(78))).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'SetChargingProfile', txProfile(77))).toEqual({ status: 'Accepted' });
    expect(r.station.profiles.get(5)?.transactionId).toBe(startMsg.localTxId);

    expect(await handle(r.station, 'RemoteStopTransaction', { transactionId: 78 })).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'RemoteStopTransaction', { transactionId: 77 })).toEqual({ status: 'Accepted' });
    expect(r.station.sessions.connector(1).tx).toBeDefined();
    await r.clock.runFor(0);
    expect(r.station.sessions.connector(1).tx).toBeUndefined();
    expect(r.station.memory.queue.find((m) => m.action === 'StopTransaction')?.payload.reason).toBe('Remote');
  });

  it('enforces the smart charging limits and answers GetCompositeSchedule / ClearChargingProfile', async () => {
    const r = rig();
    const maxProfile = (stackLevel: number, periods = 1): Payload => ({
      connectorId: 0,
      csChargingProfiles: { chargingProfileId: 10 + stackLevel, stackLevel, chargingProfilePurpose: 'ChargePointMaxProfile', chargingProfileKind: 'Absolute',
        chargingSchedule: { startSchedule: '2026-03-02T08:00:00Z', chargingRateUnit: 'W',
          chargingSchedulePeriod: Array.from({ length: periods }, (_, i) => ({ startPeriod: i * 60, limit: 7000 })) } },
    });
    expect(await handle(r.station, 'SetChargingProfile', maxProfile(9))).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'SetChargingProfile', maxProfile(1, 25))).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'SetChargingProfile', { ...maxProfile(1), connectorId: 3 })).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'SetChargingProfile', maxProfile(1))).toEqual({ status: 'Accepted' });

    const cs = await handle(r.station, 'GetCompositeSchedule', { connectorId: 1, duration: 3600, chargingRateUnit: 'W' });
    expect(cs).toMatchObject({ status: 'Accepted', connectorId: 1, scheduleStart: '2026-03-02T08:00:00.000Z',
      chargingSchedule: { duration: 3600, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7000 }] } });
    const csA = await handle(r.station, 'GetCompositeSchedule', { connectorId: 1, duration: 600 });
    // 7000 W on 3 x 230 V = 10.14 A, rounded down to the 0.1 the schema wants
    expect(csA.chargingSchedule).toMatchObject({ chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10.1 }] });
    expect(await handle(r.station, 'GetCompositeSchedule', { connectorId: 5, duration: 60 })).toEqual({ status: 'Rejected' });

    expect(await handle(r.station, 'ClearChargingProfile', { chargingProfilePurpose: 'TxDefaultProfile' })).toEqual({ status: 'Unknown' });
    expect(await handle(r.station, 'ClearChargingProfile', { id: 11 })).toEqual({ status: 'Accepted' });
  });

  it('answers TriggerMessage first and sends the message after the response', async () => {
    const r = rig();
    const sent = recordCalls(r.station);
    expect(await handle(r.station, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 2 })).toEqual({ status: 'Accepted' });
    expect(sent).toEqual([]);
    await r.clock.runFor(0);
    expect(sent.map((s) => [s.action, s.payload.connectorId])).toEqual([['StatusNotification', 2]]);

    await handle(r.station, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 });
    await r.clock.runFor(0);
    // no transaction: sent at once, without a transactionId
    expect(sent.slice(1).map((s) => [s.action, s.payload.transactionId])).toEqual([['MeterValues', undefined]]);

    const start = startTx(r);
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 });
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' });
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' });
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 0 });
    await r.clock.runFor(0);
    expect(sent.slice(2).map((s) => s.action)).toEqual(['Heartbeat', 'FirmwareStatusNotification', 'DiagnosticsStatusNotification', 'StatusNotification']);
    expect(sent[3]?.payload).toEqual({ status: 'Idle' });
    // during a transaction the triggered MeterValues is a transaction message: queued after the
    // StartTransaction, sent with the CSMS transactionId once it is known
    const triggered = r.station.memory.queue.find((m) => m.action === 'MeterValues' && m.localTxId === start.localTxId);
    expect(triggered).toBeDefined();
    expect(r.station.memory.queue.indexOf(triggered!)).toBeGreaterThan(r.station.memory.queue.indexOf(start));
    expect((triggered!.payload.meterValue as { sampledValue: { context: string }[] }[])[0]?.sampledValue[0]?.context).toBe('Trigger');
    r.dialect.onDelivered(start, { idTagInfo: { status: 'Accepted' }, transactionId: 4242 }, r.station);
    const wire = r.dialect.prepareQueued(triggered!, r.station);
    valid('MeterValues', 'req', wire);
    expect(wire.transactionId).toBe(4242);

    expect(await handle(r.station, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 3 })).toEqual({ status: 'Rejected' });
    expect(await HANDLERS_16.TriggerMessage?.({ requestedMessage: 'SignChargePointCertificate' }, r.station)).toEqual({ status: 'NotImplemented' });
  });

  it('does not throw when a triggered message cannot be sent (offline)', async () => {
    const r = rig();
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await r.clock.runFor(0);
    expect(r.trace.records.some((t) => t.kind === 'device' && t.event === 'after-response-failed')).toBe(true);
  });

  it('answers Reset Accepted and reboots only after the response', async () => {
    const r = rig();
    const reboot = vi.spyOn(r.station, 'reboot').mockResolvedValue(undefined);
    expect(await handle(r.station, 'Reset', { type: 'Hard' })).toEqual({ status: 'Accepted' });
    expect(reboot).not.toHaveBeenCalled();
    await r.clock.runFor(0);
    expect(reboot).toHaveBeenCalledWith('Hard');
  });

  it('answers ChangeAvailability Accepted / Scheduled / Rejected', async () => {
    const r = rig();
    startTx(r);
    expect(await handle(r.station, 'ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    expect(await handle(r.station, 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual({ status: 'Scheduled' });
    expect(await handle(r.station, 'ChangeAvailability', { connectorId: 7, type: 'Inoperative' })).toEqual({ status: 'Rejected' });
    await r.clock.runFor(0);
    expect(r.station.sessions.connector(2).operative).toBe(false);
    expect(r.station.sessions.connector(1).pendingOperative).toBe(false);
  });

  it('handles UnlockConnector, ClearCache and DataTransfer', async () => {
    const r = rig();
    expect(await handle(r.station, 'UnlockConnector', { connectorId: 1 })).toEqual({ status: 'Unlocked' });
    expect(await handle(r.station, 'UnlockConnector', { connectorId: 9 })).toEqual({ status: 'NotSupported' });
    r.station.memory.authCache.TAG = 'Accepted';
    expect(await handle(r.station, 'ClearCache', {})).toEqual({ status: 'Accepted' });
    expect(r.station.memory.authCache).toEqual({});
    expect(await handle(r.station, 'DataTransfer', { vendorId: 'acme' })).toEqual({ status: 'UnknownVendorId' });
    expect(await handle(r.station, 'DataTransfer', { vendorId: 'chargebench', messageId: 'x' })).toEqual({ status: 'UnknownMessageId' });
  });

  it('manages the local list (Full, Differential, VersionMismatch, NotSupported)', async () => {
    const r = rig();
    const full = { listVersion: 3, updateType: 'Full', localAuthorizationList: [
      { idTag: 'A', idTagInfo: { status: 'Accepted' } }, { idTag: 'B', idTagInfo: { status: 'Blocked' } }, { idTag: 'C' },
    ] };
    expect(await handle(r.station, 'SendLocalList', full)).toEqual({ status: 'Accepted' });
    expect(r.station.memory.localList).toEqual({ version: 3, entries: { A: 'Accepted', B: 'Blocked' } });
    expect(await handle(r.station, 'GetLocalListVersion', {})).toEqual({ listVersion: 3 });
    expect(await handle(r.station, 'SendLocalList', { listVersion: 3, updateType: 'Differential', localAuthorizationList: [] })).toEqual({ status: 'VersionMismatch' });
    const diff = { listVersion: 4, updateType: 'Differential', localAuthorizationList: [
      { idTag: 'A' }, { idTag: 'D', idTagInfo: { status: 'Accepted', expiryDate: '2026-03-01T00:00:00Z' } },
    ] };
    expect(await handle(r.station, 'SendLocalList', diff)).toEqual({ status: 'Accepted' });
    expect(r.station.memory.localList).toEqual({ version: 4, entries: { B: 'Blocked', D: 'Expired' } });
    const tooMany = { listVersion: 5, updateType: 'Full', localAuthorizationList: Array.from({ length: 101 }, (_, i) => ({ idTag: `T${i}`, idTagInfo: { status: 'Accepted' } })) };
    expect(await handle(r.station, 'SendLocalList', tooMany)).toEqual({ status: 'Failed' });

    r.station.setSetting('LocalAuthListEnabled', 'false');
    expect(await handle(r.station, 'SendLocalList', { listVersion: 6, updateType: 'Full' })).toEqual({ status: 'NotSupported' });
    expect(await handle(r.station, 'GetLocalListVersion', {})).toEqual({ listVersion: -1 });
  });

  it('reserves and cancels', async () => {
    const r = rig();
    const expiryDate = '2026-03-02T09:00:00Z';
    expect(await handle(r.station, 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'R1', reservationId: 1 })).toEqual({ status: 'Accepted' });
    expect(await handle(r.station, 'ReserveNow', { connectorId: 1, expiryDate, idTag: 'R2', reservationId: 2 })).toEqual({ status: 'Occupied' });
    expect(await handle(r.station, 'ReserveNow', { connectorId: 4, expiryDate, idTag: 'R2', reservationId: 2 })).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'CancelReservation', { reservationId: 1 })).toEqual({ status: 'Accepted' });
    expect(await handle(r.station, 'CancelReservation', { reservationId: 1 })).toEqual({ status: 'Rejected' });

    expect(await handle(r.station, 'ReserveNow', { connectorId: 2, expiryDate, idTag: 'R3', reservationId: 3 })).toEqual({ status: 'Accepted' });
    startTx(r, 2, 'R3');
    const start = r.station.memory.queue.find((m) => m.action === 'StartTransaction');
    valid('StartTransaction', 'req', start?.payload);
    expect(start?.payload).toMatchObject({ connectorId: 2, idTag: 'R3', reservationId: 3 });
  });

  it('installs a RemoteStartTransaction TxProfile once the cable is plugged', async () => {
    const r = rig();
    const chargingProfile = { chargingProfileId: 21, stackLevel: 2, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] } };
    expect(await handle(r.station, 'RemoteStartTransaction', { idTag: 'T', connectorId: 1, chargingProfile })).toEqual({ status: 'Accepted' });
    await r.clock.runFor(0);
    expect(r.station.profiles.get(21)).toBeUndefined();
    r.station.plug(1);
    const tx = r.station.sessions.connector(1).tx;
    expect(r.station.profiles.get(21)).toMatchObject({ purpose: 'Tx', evseId: 1, transactionId: tx?.localTxId });
  });

  it('UpdateFirmware waits for retrieveDate; a location of an unsupported protocol is DownloadFailed without a reboot', async () => {
    const r = rig();
    const sent = recordCalls(r.station);
    const reboot = vi.spyOn(r.station, 'reboot').mockResolvedValue(undefined);
    expect(await handle(r.station, 'UpdateFirmware', { location: 'gopher://fw.example/fw-1.2.bin', retrieveDate: '2026-03-02T08:00:10Z', retries: 3 })).toEqual({});
    await r.clock.runFor(9_999);
    expect(sent).toEqual([]);
    await r.clock.runFor(1);
    await r.clock.runFor(0);
    expect(sent.map((s) => s.payload.status)).toEqual(['Downloading', 'DownloadFailed']);
    expect(r.trace.records.some((t) => t.kind === 'device' && t.event === 'firmware-download-failed' && JSON.stringify(t.data).includes('unsupported protocol gopher:'))).toBe(true);
    await handle(r.station, 'TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' });
    await r.clock.runFor(0);
    expect(sent.at(-1)?.payload).toEqual({ status: 'Idle' });
    expect(reboot).not.toHaveBeenCalled();
  });

  it('rejects a ReserveNow whose expiryDate has passed', async () => {
    const r = rig();
    expect(await handle(r.station, 'ReserveNow', { connectorId: 1, expiryDate: '2026-03-02T07:59:59Z', idTag: 'R1', reservationId: 1 })).toEqual({ status: 'Rejected' });
    expect(await handle(r.station, 'ReserveNow', { connectorId: 0, expiryDate: new Date(START).toISOString(), idTag: 'R1', reservationId: 2 })).toEqual({ status: 'Rejected' });
    expect(r.station.sessions.connector(1).reservation).toBeUndefined();
    expect(await handle(r.station, 'ReserveNow', { connectorId: 1, expiryDate: '2026-03-02T08:00:01Z', idTag: 'R1', reservationId: 3 })).toEqual({ status: 'Accepted' });
  });

  it('answers GetDiagnostics with the file name; an unsupported protocol is UploadFailed', async () => {
    const r = rig();
    const sent = recordCalls(r.station);
    const answer = await handle(r.station, 'GetDiagnostics', { location: 'sftp://logs.example/upload', retries: 0 });
    expect(String(answer.fileName)).toMatch(/^CP-16-diagnostics-.*\.log$/);
    await r.clock.runFor(0);
    await r.clock.runFor(0);
    expect(sent.map((s) => [s.action, s.payload.status])).toEqual([['DiagnosticsStatusNotification', 'Uploading'], ['DiagnosticsStatusNotification', 'UploadFailed']]);
    expect(r.trace.records.some((t) => t.kind === 'device' && t.event === 'diagnostics-upload-failed' && JSON.stringify(t.data).includes('unsupported protocol sftp:'))).toBe(true);
  });
});
