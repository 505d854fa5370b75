import { createRequire } from 'node:module';
import { createValidator } from 'ocpp-rpc';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryTrace } from '../../src/core/trace.js';
import { Rng } from '../../src/core/rng.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { OcppLink } from '../../src/transport/ocpp-link.js';
import type { HandlerContext, Payload } from '../../src/transport/ocpp-types.js';
import type { StationConfigInput } from '../../emulators/evse/config.js';
import type { StopReason } from '../../emulators/evse/dialect.js';
import { ChargeStation } from '../../emulators/evse/station.js';
import { StationConfigSchema } from '../../emulators/evse/config.js';
import {
  type AvailabilityState, DeviceModel, type DeviceModelHost, ITEMS_PER_MESSAGE, type ReportData, splitReport, stationHost,
} from '../../emulators/evse/v201/device-model.js';
import { createDialect201, STOP_REASONS } from '../../emulators/evse/v201/dialect.js';
import { install, OCPP201_ACTIONS } from '../../emulators/evse/v201/handlers.js';

const schemas = createRequire(import.meta.url)('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as { $id: string }[];
const validator = createValidator('ocpp2.0.1', schemas);

/** Throws (with ajv's message) when the payload does not match the 2.0.1 schema. */
function valid(action: string, payload: unknown, kind: 'req' | 'conf' = 'req'): true {
  try {
    validator.validate(`urn:${action}.${kind}`, payload);
  } catch (err) {
    throw new Error(`${action}.${kind} invalid: ${(err as Error).message}\n${JSON.stringify(payload)}`);
  }
  return true;
}

const START_WALL = Date.parse('2026-03-01T10:00:00Z');

function makeStation(input: Partial<StationConfigInput> = {}): { station: ChargeStation; clock: VirtualClock } {
  const clock = new VirtualClock({ startWallMs: START_WALL });
  const station = new ChargeStation(
    { identity: 'CP201', ocppVersion: '2.0.1', csmsUrl: 'ws://127.0.0.1:1/ocpp', evses: 2, serialNumber: 'SN-1', ...input },
    { clock, trace: new MemoryTrace(clock), rng: new Rng(1, 'test'), dialect: createDialect201 },
  );
  return { station, clock };
}

/** Queued outgoing messages of the (offline) station. */
const queued = (s: ChargeStation): Payload[] => s.memory.queue.map((m) => m.payload);

function startTx(s: ChargeStation, evse = 1, idTag = 'TAG1'): string {
  s.plug(evse);
  s.sessions.authorized(evse, idTag);
  const tx = s.sessions.connector(evse).tx;
  if (!tx) throw new Error('no transaction');
  return tx.localTxId;
}

describe('2.0.1 dialect: outgoing messages', () => {
  it('builds schema-valid BootNotification, Heartbeat, StatusNotification, Authorize', () => {
    const { station } = makeStation();
    const d = station.dialect;
    const boot = d.bootNotification('PowerUp');
    expect(boot.payload).toEqual({ reason: 'PowerUp', chargingStation: { model: 'VirtualEVSE', vendorName: 'chargebench', serialNumber: 'SN-1', firmwareVersion: '1.0.0' } });
    expect(valid('BootNotification', boot.payload)).toBe(true);
    expect(valid('Heartbeat', d.heartbeat().payload)).toBe(true);
    const st = d.statusNotification(station.sessions.connector(2));
    expect(st.payload).toEqual({ timestamp: '2026-03-01T10:00:00.000Z', connectorStatus: 'Available', evseId: 2, connectorId: 1 });
    expect(valid('StatusNotification', st.payload)).toBe(true);
    expect(valid('Authorize', d.authorize('ABC').payload)).toBe(true);
    expect(d.parseAuthorize({ idTokenInfo: { status: 'Blocked' } })).toBe('Blocked');
    expect(d.parseBoot({ status: 'Pending', interval: 5, currentTime: '2026-03-01T10:00:00Z' })).toEqual({ status: 'Pending', intervalS: 5 });
  });

  it('numbers TransactionEvents 0, 1, 2, 3 at enqueue time, with contexts and trigger reasons', async () => {
    const { station, clock } = makeStation({ meterSampleIntervalS: 60 });
    const txId = startTx(station);
    station.requestEnergy(1);
    await clock.runFor(61_000);
    station.stopTransaction(1, 'Local');
    const events = queued(station).filter((p) => p.transactionInfo);
    expect(events.map((e) => [e.eventType, e.seqNo, e.triggerReason])).toEqual([
      ['Started', 0, 'Authorized'], ['Updated', 1, 'ChargingStateChanged'], ['Updated', 2, 'MeterValuePeriodic'], ['Ended', 3, 'StopAuthorized'],
    ]);
    expect(events.map((e) => (e.transactionInfo as Payload).chargingState)).toEqual(['SuspendedEV', 'Charging', 'Charging', 'EVConnected']);
    for (const e of events) {
      expect(valid('TransactionEvent', e)).toBe(true);
      expect(e.offline).toBe(true);
      expect(e.evse).toEqual({ id: 1, connectorId: 1 });
      expect((e.transactionInfo as Payload).transactionId).toBe(txId);
    }
    const contexts = events.map((e) => ((e.meterValue as { sampledValue: { context: string }[] }[])[0]?.sampledValue[0]?.context));
    expect(contexts).toEqual(['Transaction.Begin', 'Other', 'Sample.Periodic', 'Transaction.End']);
    expect(events[0]?.idToken).toEqual({ idToken: 'TAG1', type: 'Local' }); // not a hex UID: the type its format fits (issue 17)
    expect(events[1]?.idToken).toBeUndefined();
    expect((events[3]?.transactionInfo as Payload).stoppedReason).toBe('Local');
  });

  it('marks messages built while connected as online and leaves prepareQueued untouched', () => {
    const { station } = makeStation();
    Object.defineProperty(station, 'connected', { get: () => true });
    startTx(station);
    const msg = station.memory.queue[0];
    if (!msg) throw new Error('nothing queued');
    expect(msg.payload.offline).toBeUndefined();
    expect(station.dialect.prepareQueued(msg, station)).toBe(msg.payload);
  });

  it('reports remote starts with RemoteStart and remoteStartId', () => {
    const { station } = makeStation();
    station.plug(2);
    station.sessions.authorized(2, 'REMOTE', 77);
    const [started] = queued(station);
    expect(started?.triggerReason).toBe('RemoteStart');
    expect((started?.transactionInfo as Payload).remoteStartId).toBe(77);
    expect(valid('TransactionEvent', started)).toBe(true);
  });

  const stopTable: [StopReason, string, string][] = [
    ['Local', 'StopAuthorized', 'Local'],
    ['Remote', 'RemoteStop', 'Remote'],
    ['EVDisconnected', 'EVCommunicationLost', 'EVDisconnected'],
    ['PowerLoss', 'AbnormalCondition', 'PowerLoss'],
    ['Reboot', 'AbnormalCondition', 'Reboot'],
    ['SoftReset', 'ResetCommand', 'ImmediateReset'],
    ['HardReset', 'ResetCommand', 'ImmediateReset'],
    ['DeAuthorized', 'Deauthorized', 'DeAuthorized'],
    ['EmergencyStop', 'AbnormalCondition', 'EmergencyStop'],
    ['UnlockCommand', 'UnlockCommand', 'Other'],
    ['Other', 'AbnormalCondition', 'Other'],
  ];
  it.each(stopTable)('stop reason %s -> triggerReason %s, stoppedReason %s', (reason, trigger, stopped) => {
    expect(STOP_REASONS[reason]).toEqual({ triggerReason: trigger, stoppedReason: stopped });
    const { station } = makeStation();
    startTx(station);
    station.stopTransaction(1, reason);
    const ended = queued(station).at(-1);
    expect(ended?.eventType).toBe('Ended');
    expect(ended?.triggerReason).toBe(trigger);
    expect((ended?.transactionInfo as Payload).stoppedReason).toBe(stopped);
    expect(valid('TransactionEvent', ended)).toBe(true);
  });

  it('stops a transaction the CSMS answers with a non-Accepted idTokenInfo', () => {
    const { station } = makeStation();
    startTx(station, 1, 'BAD');
    const started = station.memory.queue.shift();
    if (!started) throw new Error('nothing queued');
    station.dialect.onDelivered(started, { idTokenInfo: { status: 'Blocked' } }, station);
    expect(station.sessions.connector(1).tx).toBeUndefined();
    const ended = queued(station).at(-1);
    expect([ended?.eventType, ended?.triggerReason, (ended?.transactionInfo as Payload).stoppedReason]).toEqual(['Ended', 'Deauthorized', 'DeAuthorized']);
    expect(ended?.seqNo).toBe(1);
    expect(station.memory.authCache.BAD).toBe('Blocked');
  });

  it('gives the core its canonical settings', () => {
    const { station } = makeStation({ heartbeatIntervalS: 120, authorizeRemoteStart: true });
    expect(station.setting('HeartbeatInterval')).toBe('120');
    expect(station.setting('AuthorizeRemoteTxRequests')).toBe('true');
    expect(station.setting('MeterValueSampleInterval')).toBe('60');
    expect(station.setting('TransactionMessageAttempts')).toBe('3');
    expect(station.setting('StopTransactionOnEVSideDisconnect')).toBe('true');
  });
});

class FakeHost implements DeviceModelHost {
  readonly config = StationConfigSchema.parse({ identity: 'CP9', ocppVersion: '2.0.1', evses: 2 });
  readonly settings: Record<string, string> = {
    HeartbeatInterval: '300', MeterValueSampleInterval: '60', AuthorizationCacheEnabled: 'true', StopTransactionOnEVSideDisconnect: 'true',
    [ITEMS_PER_MESSAGE.GetReport]: '20',
  };
  avail: AvailabilityState[] = ['Available', 'Occupied'];
  installed: string | undefined;
  firmwareVersion(): string { return this.installed ?? this.config.firmwareVersion; }
  setting(n: string): string | undefined { return this.settings[n]; }
  setSetting(n: string, v: string): void { this.settings[n] = v; }
  wallTime(): number { return START_WALL; }
  availability(id: number): AvailabilityState { return this.avail[id - 1] ?? 'Unavailable'; }
  problem(): boolean { return false; }
  powerW(id: number): number { return id === 2 ? 11000 : 0; }
  localListEntries(): number { return 3; }
  chargingProfiles(): number { return 1; }
}

describe('2.0.1 device model', () => {
  let host: FakeHost;
  let model: DeviceModel;
  beforeEach(() => {
    host = new FakeHost();
    model = new DeviceModel(host);
  });

  const getTable: [string, { component: Payload; variable: Payload; attributeType?: string }, string, string | undefined][] = [
    ['mapped setting', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }, 'Accepted', '300'],
    ['case-insensitive names', { component: { name: 'ocppcommctrlr' }, variable: { name: 'heartbeatinterval' } }, 'Accepted', '300'],
    ['computed', { component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Entries' } }, 'Accepted', '3'],
    ['per EVSE', { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Power' } }, 'Accepted', '11000'],
    ['connector', { component: { name: 'Connector', evse: { id: 2, connectorId: 1 } }, variable: { name: 'AvailabilityState' } }, 'Accepted', 'Occupied'],
    ['identity', { component: { name: 'SecurityCtrlr' }, variable: { name: 'Identity' } }, 'Accepted', 'CP9'],
    ['clock', { component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' } }, 'Accepted', '2026-03-01T10:00:00.000Z'],
    ['variable instance', { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'GetReport' } }, 'Accepted', '20'],
    ['unknown component', { component: { name: 'FooCtrlr' }, variable: { name: 'HeartbeatInterval' } }, 'UnknownComponent', undefined],
    ['unknown EVSE', { component: { name: 'EVSE', evse: { id: 3 } }, variable: { name: 'Power' } }, 'UnknownComponent', undefined],
    ['EVSE without evse', { component: { name: 'EVSE' }, variable: { name: 'Power' } }, 'UnknownComponent', undefined],
    ['unknown variable', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'Nope' } }, 'UnknownVariable', undefined],
    ['missing instance', { component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage' } }, 'UnknownVariable', undefined],
    ['attribute type', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'MaxSet' }, 'NotSupportedAttributeType', undefined],
    ['write-only', { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } }, 'Rejected', undefined],
  ];
  it.each(getTable)('GetVariables %s -> %s', (_name, req, status, value) => {
    const r = model.get(req as never);
    expect(r.attributeStatus).toBe(status);
    expect(r.attributeValue).toBe(value);
    expect(valid('GetVariables', { getVariableResult: [r] }, 'conf')).toBe(true);
  });

  const setTable: [string, { component: Payload; variable: Payload; attributeValue: string; attributeType?: string }, string, string | undefined, string | undefined][] = [
    ['integer', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '45' }, 'Accepted', 'HeartbeatInterval', '45'],
    ['mapped name', { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '15' }, 'Accepted', 'MeterValueSampleInterval', '15'],
    ['instance', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageAttempts', instance: 'TransactionEvent' }, attributeValue: '5' }, 'Accepted', 'TransactionMessageAttempts', '5'],
    ['boolean, normalised', { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnEVSideDisconnect' }, attributeValue: 'FALSE' }, 'Accepted', 'StopTransactionOnEVSideDisconnect', 'false'],
    ['bad boolean', { component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'yes' }, 'Rejected', 'AuthorizationCacheEnabled', 'true'],
    ['bad integer', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '4.5' }, 'Rejected', 'HeartbeatInterval', '300'],
    ['below minimum', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '-1' }, 'Rejected', 'HeartbeatInterval', '300'],
    ['read-only', { component: { name: 'SecurityCtrlr' }, variable: { name: 'Identity' }, attributeValue: 'X' }, 'Rejected', undefined, undefined],
    ['read-only computed', { component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Entries' }, attributeValue: '9' }, 'Rejected', undefined, undefined],
    ['unknown component', { component: { name: 'FooCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'true' }, 'UnknownComponent', undefined, undefined],
    ['unknown variable', { component: { name: 'TxCtrlr' }, variable: { name: 'Nope' }, attributeValue: 'true' }, 'UnknownVariable', undefined, undefined],
    ['attribute type', { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '5', attributeType: 'Target' }, 'NotSupportedAttributeType', 'HeartbeatInterval', '300'],
    ['reboot required', { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'a-new-password-0123' }, 'RebootRequired', 'BasicAuthPassword', 'a-new-password-0123'],
    ['password too short', { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'short' }, 'Rejected', 'BasicAuthPassword', undefined],
  ];
  it.each(setTable)('SetVariables %s -> %s', (_name, req, status, setting, stored) => {
    const r = model.set(req as never);
    expect(r.attributeStatus).toBe(status);
    if (setting) expect(host.settings[setting]).toBe(stored);
    expect(valid('SetVariables', { setVariableResult: [r] }, 'conf')).toBe(true);
  });

  it('ChargingStation.FirmwareVersion follows the installed image; FileTransferProtocols lists FTP and HTTP', () => {
    const fw = { component: { name: 'ChargingStation' }, variable: { name: 'FirmwareVersion' } };
    expect(model.get(fw as never).attributeValue).toBe('1.0.0');
    host.installed = '2.1.0';
    expect(model.get(fw as never).attributeValue).toBe('2.1.0');
    expect(model.get({ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'FileTransferProtocols' } } as never).attributeValue).toBe('FTP,FTPS,HTTP,HTTPS');
  });

  it('reports: configuration = writable, summary = availability, full = all; each entry schema-valid', () => {
    const full = model.baseReport('FullInventory');
    const config = model.baseReport('ConfigurationInventory');
    const summary = model.baseReport('SummaryInventory');
    expect(config.every((d) => d.variableAttribute[0]?.mutability !== 'ReadOnly')).toBe(true);
    expect(config.map((d) => `${d.component.name}.${d.variable.name}`)).toContain('OCPPCommCtrlr.HeartbeatInterval');
    expect(summary.map((d) => `${d.component.name}${d.component.evse ? `#${d.component.evse.id}` : ''}.${d.variable.name}`)).toEqual([
      'ChargingStation.AvailabilityState', 'EVSE#1.AvailabilityState', 'Connector#1.AvailabilityState', 'EVSE#2.AvailabilityState', 'Connector#2.AvailabilityState',
    ]);
    expect(full.length).toBeGreaterThan(config.length);
    const password = full.find((d) => d.variable.name === 'BasicAuthPassword');
    expect(password?.variableAttribute[0]).toEqual({ type: 'Actual', mutability: 'WriteOnly', persistent: true, constant: false });
    for (const m of splitReport(1, '2026-03-01T10:00:00.000Z', full, 1000)) expect(valid('NotifyReport', m)).toBe(true);
  });

  it('selects a custom report by component/variable and criteria', () => {
    const byComponent = model.customReport([{ component: { name: 'EVSE' }, variable: { name: 'Power' } }]);
    expect(byComponent.map((d) => d.component.evse?.id)).toEqual([1, 2]);
    expect(model.customReport([{ component: { name: 'EVSE', evse: { id: 2 } } }]).every((d) => d.component.evse?.id === 2)).toBe(true);
    expect(model.customReport(undefined, ['Problem'])).toEqual([]);
    expect(model.customReport([{ component: { name: 'Nope' } }])).toEqual([]);
  });
});

describe('NotifyReport splitting', () => {
  const entry = (i: number): ReportData => ({
    component: { name: 'C' }, variable: { name: `V${i}` },
    variableAttribute: [{ type: 'Actual', value: String(i), mutability: 'ReadOnly', persistent: false, constant: false }],
    variableCharacteristics: { dataType: 'integer', supportsMonitoring: false },
  });
  const table: [number, number, number[], boolean[]][] = [
    [45, 20, [20, 20, 5], [true, true, false]],
    [40, 20, [20, 20], [true, false]],
    [3, 20, [3], [false]],
    [3, 0, [1, 1, 1], [true, true, false]],
    [0, 20, [], []],
  ];
  it.each(table)('%i entries by %i -> sizes %j', (n, per, sizes, tbc) => {
    const msgs = splitReport(7, '2026-03-01T10:00:00.000Z', Array.from({ length: n }, (_, i) => entry(i)), per);
    expect(msgs.map((m) => m.reportData.length)).toEqual(sizes);
    expect(msgs.map((m) => m.tbc)).toEqual(tbc);
    expect(msgs.map((m) => m.seqNo)).toEqual(sizes.map((_, i) => i));
    expect(msgs.flatMap((m) => m.reportData.map((d) => d.variable.name))).toEqual(Array.from({ length: n }, (_, i) => `V${i}`));
    for (const m of msgs) expect(valid('NotifyReport', m)).toBe(true);
  });
});

/** A link that only records handlers; handlers are called directly. */
class FakeLink {
  readonly handlers = new Map<string, (ctx: HandlerContext) => Payload | Promise<Payload>>();
  handle(action: string, h: (ctx: HandlerContext) => Payload | Promise<Payload>): void {
    this.handlers.set(action, h);
  }
  handleMany(actions: Iterable<string>, h: (ctx: HandlerContext) => Payload | Promise<Payload>): void {
    for (const a of actions) this.handlers.set(a, h);
  }
  async call(action: string, params: Payload): Promise<Payload> {
    valid(action, params);
    const h = this.handlers.get(action);
    if (!h) throw new Error(`no handler for ${action}`);
    const result = await h({ action, params, messageId: 'm1' });
    valid(action, result, 'conf');
    return result;
  }
}

describe('2.0.1 handlers (called directly, answers schema-checked)', () => {
  let station: ChargeStation;
  let clock: VirtualClock;
  let link: FakeLink;
  /** Non-transactional calls the station made (schema-checked). */
  let sent: { action: string; payload: Payload }[];
  beforeEach(async () => {
    // let work deferred by the previous test's handlers finish before this test's capture starts
    await new Promise<void>((r) => setImmediate(r));
    ({ station, clock } = makeStation());
    link = new FakeLink();
    install(link as unknown as OcppLink, station);
    sent = [];
    station.call = async (action: string, payload: Payload): Promise<Payload> => {
      valid(action, payload);
      sent.push({ action, payload });
      return {};
    };
  });
  const sentActions = (): string[] => sent.map((x) => x.action);

  it('covers every 2.0.1 schema action and answers the unsupported ones NotSupported', async () => {
    const inSchema = [...new Set(schemas.map((s) => s.$id.replace(/^urn:/, '').replace(/\.(req|conf)$/, '')))].sort();
    expect([...OCPP201_ACTIONS].sort()).toEqual(inSchema);
    expect([...link.handlers.keys()].sort()).toEqual(inSchema);
    await expect(link.call('CertificateSigned', { certificateChain: 'x' })).rejects.toMatchObject({ rpcErrorCode: 'NotSupported' });
    await expect(link.call('SetNetworkProfile', { configurationSlot: 1, connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'ws://x', messageTimeout: 30, securityProfile: 0, ocppInterface: 'Wired0' } }))
      .rejects.toMatchObject({ rpcErrorCode: 'NotSupported' });
  });

  it('GetVariables / SetVariables go through the device model and the station settings', async () => {
    const set = await link.call('SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '30' }] });
    expect(set).toEqual({ setVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
    expect(station.setting('HeartbeatInterval')).toBe('30');
    const get = await link.call('GetVariables', { getVariableData: [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } }] });
    expect((get.getVariableResult as Payload[])[0]).toMatchObject({ attributeStatus: 'Accepted', attributeValue: 'Available' });
    station.setSetting(ITEMS_PER_MESSAGE.GetVariables, '1');
    const two = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
    await expect(link.call('GetVariables', { getVariableData: [two, two] })).rejects.toMatchObject({ rpcErrorCode: 'OccurrenceConstraintViolation' });
  });

  it('GetBaseReport answers Accepted, then NotifyReports split by ItemsPerMessage[GetReport]', async () => {
    station.setSetting(ITEMS_PER_MESSAGE.GetReport, '7');
    expect(await link.call('GetBaseReport', { requestId: 3, reportBase: 'FullInventory' })).toEqual({ status: 'Accepted' });
    expect(sent).toEqual([]);
    await clock.runFor(1);
    const full = new DeviceModel(stationHost(station)).baseReport('FullInventory');
    expect(full.filter((d) => d.component.name === 'EVSE' && d.variable.name === 'Power').map((d) => d.variableCharacteristics.maxLimit)).toEqual([22080, 22080]);
    const reports = sent.map((x) => x.payload);
    expect(reports.length).toBe(Math.ceil(full.length / 7));
    expect(reports.map((r) => r.seqNo)).toEqual(reports.map((_, i) => i));
    expect(reports.map((r) => r.tbc)).toEqual(reports.map((_, i) => i < reports.length - 1));
    expect(reports.every((r) => r.requestId === 3 && r.generatedAt === '2026-03-01T10:00:00.000Z')).toBe(true);
    expect(reports.flatMap((r) => r.reportData as ReportData[]).length).toBe(full.length);
    expect(await link.call('GetReport', { requestId: 4, componentVariable: [{ component: { name: 'Nope' } }] })).toEqual({ status: 'EmptyResultSet' });
    expect(await link.call('GetReport', { requestId: 5, componentVariable: [{ component: { name: 'TxCtrlr' } }] })).toEqual({ status: 'Accepted' });
  });

  it('RequestStartTransaction answers first and starts after the answer; RequestStopTransaction stops', async () => {
    station.plug(1);
    const r = await link.call('RequestStartTransaction', { idToken: { idToken: 'RS1', type: 'Central' }, remoteStartId: 5, evseId: 1 });
    expect(r).toEqual({ status: 'Accepted' });
    expect(station.sessions.connector(1).tx).toBeUndefined();
    await clock.runFor(1);
    const tx = station.sessions.connector(1).tx;
    expect(tx?.remoteStartId).toBe(5);
    const started = queued(station)[0];
    expect(started?.idToken).toEqual({ idToken: 'RS1', type: 'Central' });
    const again = await link.call('RequestStartTransaction', { idToken: { idToken: 'RS2', type: 'Central' }, remoteStartId: 6, evseId: 1 });
    expect(again).toMatchObject({ status: 'Rejected', transactionId: tx?.localTxId });
    expect(await link.call('RequestStopTransaction', { transactionId: 'nope' })).toMatchObject({ status: 'Rejected' });
    expect(await link.call('RequestStopTransaction', { transactionId: tx?.localTxId ?? '' })).toEqual({ status: 'Accepted' });
    await clock.runFor(1);
    expect(queued(station).at(-1)).toMatchObject({ eventType: 'Ended', triggerReason: 'RemoteStop' });
  });

  it('smart charging: set, report, composite, clear', async () => {
    const profile = {
      id: 11, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative',
      chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }],
    };
    expect(await link.call('SetChargingProfile', { evseId: 1, chargingProfile: profile })).toEqual({ status: 'Accepted' });
    const tx = { ...profile, id: 12, chargingProfilePurpose: 'TxProfile', transactionId: 'none' };
    expect(await link.call('SetChargingProfile', { evseId: 1, chargingProfile: tx })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'TxNotFound' } });
    expect(await link.call('GetChargingProfiles', { requestId: 1, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } })).toEqual({ status: 'Accepted' });
    await clock.runFor(1);
    expect(sent).toEqual([{ action: 'ReportChargingProfiles', payload: { requestId: 1, chargingLimitSource: 'CSO', evseId: 1, chargingProfile: [profile], tbc: false } }]);
    expect(await link.call('GetChargingProfiles', { requestId: 2, evseId: 2, chargingProfile: {} })).toEqual({ status: 'NoProfiles' });
    const cs = await link.call('GetCompositeSchedule', { duration: 600, evseId: 1, chargingRateUnit: 'A' });
    expect(cs).toMatchObject({ status: 'Accepted', schedule: { evseId: 1, duration: 600, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } });
    expect(await link.call('GetCompositeSchedule', { duration: 600, evseId: 9 })).toMatchObject({ status: 'Rejected' });
    expect(await link.call('ClearChargingProfile', { chargingProfileId: 99 })).toEqual({ status: 'Unknown' });
    expect(await link.call('ClearChargingProfile', { chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile' } })).toEqual({ status: 'Accepted' });
    expect(station.profiles.size).toBe(0);
  });

  const triggerTable: [string, Payload, string][] = [
    ['Heartbeat', { requestedMessage: 'Heartbeat' }, 'Accepted'],
    ['StatusNotification on an EVSE', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }, 'Accepted'],
    ['unknown EVSE', { requestedMessage: 'StatusNotification', evse: { id: 5 } }, 'Rejected'],
    ['MeterValues', { requestedMessage: 'MeterValues' }, 'Accepted'],
    ['TransactionEvent without a transaction', { requestedMessage: 'TransactionEvent' }, 'Rejected'],
    ['BootNotification while not accepted', { requestedMessage: 'BootNotification' }, 'Accepted'],
    ['FirmwareStatusNotification', { requestedMessage: 'FirmwareStatusNotification' }, 'Accepted'],
    ['certificate signing', { requestedMessage: 'SignV2GCertificate' }, 'NotImplemented'],
  ];
  it.each(triggerTable)('TriggerMessage %s -> %s', async (_n, req, status) => {
    expect(await link.call('TriggerMessage', req)).toMatchObject({ status });
  });

  it('TriggerMessage sends after the answer: StatusNotification per EVSE, MeterValues with the Trigger context', async () => {
    await link.call('TriggerMessage', { requestedMessage: 'StatusNotification' });
    await link.call('TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 2 } });
    expect(sent).toEqual([]);
    await clock.runFor(1);
    expect(sentActions()).toEqual(['StatusNotification', 'StatusNotification', 'MeterValues']);
    expect(sent[2]?.payload).toMatchObject({ evseId: 2, meterValue: [{ sampledValue: [{ measurand: 'Energy.Active.Import.Register', context: 'Trigger', unitOfMeasure: { unit: 'Wh' } }] }] });
  });

  it('TriggerMessage TransactionEvent queues an Updated event with the Trigger reason', async () => {
    startTx(station, 2);
    expect(await link.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
    await clock.runFor(1);
    const last = queued(station).at(-1);
    expect(last).toMatchObject({ eventType: 'Updated', triggerReason: 'Trigger', seqNo: 1 });
    expect(valid('TransactionEvent', last)).toBe(true);
  });

  it('Reset: Scheduled while a transaction runs (OnIdle), Accepted otherwise; EVSE reset stops its transaction', async () => {
    startTx(station, 1);
    expect(await link.call('Reset', { type: 'OnIdle' })).toEqual({ status: 'Scheduled' });
    expect(await link.call('Reset', { type: 'Immediate', evseId: 1 })).toEqual({ status: 'Accepted' });
    await clock.runFor(1);
    expect(queued(station).at(-1)).toMatchObject({ eventType: 'Ended', triggerReason: 'ResetCommand', transactionInfo: { stoppedReason: 'ImmediateReset' } });
    expect(await link.call('Reset', { type: 'Immediate', evseId: 7 })).toMatchObject({ status: 'Rejected' });
  });

  it('availability, unlock, reservations, local list, cache, DataTransfer', async () => {
    expect(await link.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
    await clock.runFor(1);
    expect(station.sessions.connector(2).operative).toBe(false);
    expect(await link.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 3 } })).toMatchObject({ status: 'Rejected' });
    startTx(station, 1);
    expect(await link.call('UnlockConnector', { evseId: 1, connectorId: 1 })).toEqual({ status: 'OngoingAuthorizedTransaction' });
    expect(await link.call('UnlockConnector', { evseId: 2, connectorId: 2 })).toEqual({ status: 'UnknownConnector' });
    expect(await link.call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toEqual({ status: 'Scheduled' });
    const expiry = new Date(START_WALL + 3_600_000).toISOString();
    expect(await link.call('ReserveNow', { id: 1, expiryDateTime: expiry, idToken: { idToken: 'R', type: 'ISO14443' }, evseId: 1 })).toEqual({ status: 'Occupied' });
    expect(await link.call('ReserveNow', { id: 1, expiryDateTime: '2020-01-01T00:00:00Z', idToken: { idToken: 'R', type: 'ISO14443' } })).toMatchObject({ status: 'Rejected' });
    expect(await link.call('CancelReservation', { reservationId: 42 })).toEqual({ status: 'Rejected' });
    const entry = (id: string, status?: string): Payload => ({ idToken: { idToken: id, type: 'ISO14443' }, ...(status ? { idTokenInfo: { status } } : {}) });
    expect(await link.call('SendLocalList', { versionNumber: 2, updateType: 'Full', localAuthorizationList: [entry('A', 'Accepted'), entry('B', 'Blocked')] })).toEqual({ status: 'Accepted' });
    expect(await link.call('SendLocalList', { versionNumber: 2, updateType: 'Differential', localAuthorizationList: [entry('C', 'Accepted')] })).toMatchObject({ status: 'VersionMismatch' });
    expect(await link.call('SendLocalList', { versionNumber: 3, updateType: 'Differential', localAuthorizationList: [entry('B'), entry('C', 'Accepted')] })).toEqual({ status: 'Accepted' });
    expect(station.memory.localList).toEqual({ version: 3, entries: { A: 'Accepted', C: 'Accepted' } });
    expect(await link.call('GetLocalListVersion', {})).toEqual({ versionNumber: 3 });
    expect(await link.call('ClearCache', {})).toEqual({ status: 'Accepted' });
    expect(await link.call('DataTransfer', { vendorId: 'other' })).toEqual({ status: 'UnknownVendorId' });
    expect(await link.call('DataTransfer', { vendorId: 'chargebench', messageId: 'x' })).toEqual({ status: 'UnknownMessageId' });
    expect(await link.call('GetTransactionStatus', {})).toEqual({ messagesInQueue: true });
  });

  it('UpdateFirmware: DownloadScheduled until retrieveDateTime; a second request cancels the first (its steps go quiet); a bad certificate is InvalidCertificate', async () => {
    const later = { location: 'https://example.invalid/fw-1.0.bin', retrieveDateTime: new Date(START_WALL + 60_000).toISOString() };
    expect(await link.call('UpdateFirmware', { requestId: 1, firmware: later })).toEqual({ status: 'Accepted' });
    await clock.runFor(3000);
    expect(sent.map((x) => `${x.payload.status as string}/${x.payload.requestId as number}`)).toEqual(['DownloadScheduled/1']);
    const unsupported = { location: 'gopher://example.invalid/fw-2.0.bin', retrieveDateTime: new Date(START_WALL).toISOString() };
    expect(await link.call('UpdateFirmware', { requestId: 2, retries: 5, firmware: unsupported })).toEqual({ status: 'AcceptedCanceled' });
    await clock.runFor(120_000);
    expect(sent.map((x) => `${x.payload.status as string}/${x.payload.requestId as number}`)).toEqual(['DownloadScheduled/1', 'Downloading/2', 'DownloadFailed/2']);
    expect((station.trace as MemoryTrace).records.filter((r) => r.kind === 'device' && r.event === 'reboot')).toEqual([]);
    const bad = await link.call('UpdateFirmware', { requestId: 3, firmware: { ...unsupported, signingCertificate: 'not a certificate', signature: 'AAAA' } });
    expect(bad).toMatchObject({ status: 'InvalidCertificate', statusInfo: { reasonCode: 'InvalidCertificate' } });
  });

  it('GetLog answers Accepted with the file name; a newer GetLog cancels the upload in progress', async () => {
    const first = await link.call('GetLog', { logType: 'DiagnosticsLog', requestId: 7, log: { remoteLocation: 'gopher://logs.example/' } });
    expect(first).toMatchObject({ status: 'Accepted', filename: expect.stringMatching(/^CP201-diagnostics-.*\.log$/) });
    const second = await link.call('GetLog', { logType: 'SecurityLog', requestId: 8, log: { remoteLocation: 'gopher://logs.example/' } });
    expect(second).toMatchObject({ status: 'AcceptedCanceled', filename: expect.stringMatching(/^CP201-security-.*\.log$/) });
    await clock.runFor(0);
    await clock.runFor(0);
    expect(sent.map((x) => `${x.payload.status as string}/${x.payload.requestId as number}`)).toEqual(['AcceptedCanceled/7', 'Uploading/8', 'UploadFailure/8']);
    expect(await link.call('TriggerMessage', { requestedMessage: 'LogStatusNotification' })).toEqual({ status: 'Accepted' });
    await clock.runFor(0);
    expect(sent.at(-1)?.payload).toEqual({ status: 'Idle' });
  });
});
