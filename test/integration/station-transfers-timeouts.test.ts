/**
 * Transfers against a peer that accepts the connection and then says nothing. On the VirtualClock
 * the attempt holds the clock (work in flight), so the socket's idle limit ends it, in real time and
 * well before the quiescence watchdog; on a RealClock the attempt's Clock timer ends it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { Rng } from '../../src/core/rng.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { EmulatedCsms } from '../../emulators/csms/csms.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { startVirtualRig, type VirtualRig } from '../support/virtual-rig.js';
import { type SilentPeer, startSilentPeer } from '../support/transfer-servers.js';

function failures(records: { kind: string; event?: string; data?: unknown }[]): string[] {
  return records.filter((r) => r.kind === 'device' && r.event === 'transfer-attempt')
    .map((r) => r.data as { ok: boolean; error?: string })
    .filter((d) => !d.ok).map((d) => d.error ?? '');
}

describe('transfers to a silent peer', () => {
  let peer: SilentPeer | undefined;
  let rig: VirtualRig | undefined;
  let csms: EmulatedCsms | undefined;
  let station: ChargeStation | undefined;
  afterEach(async () => {
    await rig?.cleanup();
    await station?.stop();
    await csms?.close();
    await peer?.close();
    rig = undefined;
    station = undefined;
    csms = undefined;
    peer = undefined;
  });

  it.each(['http', 'ftp'] as const)('virtual clock, %s: the idle limit ends the attempt (DownloadFailed), the clock is not stalled', async (scheme) => {
    peer = await startSilentPeer();
    rig = await startVirtualRig({
      csms: { heartbeatIntervalS: 3600 },
      evses: [{ identity: 'SIL', ocppVersion: '1.6', meterSampleIntervalS: 0, firmware: { transferTimeoutS: 1 } }],
    });
    const s = rig.stations[0];
    if (!s) throw new Error('no station');
    expect(await rig.clock.runUntil(() => s.state === 'Accepted', 60_000)).toBe(true);
    const started = performance.now();
    await rig.csms.send('SIL', 'UpdateFirmware', { location: `${scheme}://127.0.0.1:${peer.port}/fw-1.1.bin`, retrieveDate: new Date(rig.clock.wallTime()).toISOString(), retries: 0 });
    const done = (): boolean => rig!.csms.notifications('SIL').filter((n) => n.action === 'FirmwareStatusNotification').length >= 2;
    expect(await rig.clock.runUntil(done, 60_000)).toBe(true);
    const realMs = performance.now() - started;
    expect(rig.csms.notifications('SIL').map((n) => n.params.status)).toEqual(['Downloading', 'DownloadFailed']);
    expect(peer.connections()).toBe(1);
    expect(realMs).toBeGreaterThanOrEqual(900);
    expect(realMs).toBeLessThan(8000);
    expect(failures(rig.records())).toEqual([expect.stringMatching(scheme === 'http' ? /no data for 1000 ms/ : /[Tt]imeout/)]);
  });

  it('real clock: the attempt\'s time limit on the Clock ends it (DownloadFailed)', async () => {
    peer = await startSilentPeer();
    const clock = new RealClock();
    const trace = new MemoryTrace(clock);
    csms = await EmulatedCsms.start({ host: '127.0.0.1', port: 0, heartbeatIntervalS: 3600 }, { clock, trace, rng: new Rng(1, 'csms') });
    station = createStation({ identity: 'SILR', ocppVersion: '2.0.1', csmsUrl: csms.url, meterSampleIntervalS: 0, firmware: { transferTimeoutS: 0.5 } },
      { clock, trace, rng: new Rng(1, 'evse') });
    await station.start();
    await csms.waitForStation('SILR');
    const started = performance.now();
    await csms.send('SILR', 'UpdateFirmware', { requestId: 5, retries: 0, firmware: { location: `http://127.0.0.1:${peer.port}/fw-1.1.bin`, retrieveDateTime: new Date(clock.wallTime()).toISOString() } });
    for (let i = 0; i < 100 && csms.notifications('SILR').filter((n) => n.action === 'FirmwareStatusNotification').length < 2; i++) await clock.sleep(50);
    const realMs = performance.now() - started;
    expect(csms.notifications('SILR').filter((n) => n.action === 'FirmwareStatusNotification').map((n) => n.params.status)).toEqual(['Downloading', 'DownloadFailed']);
    expect(realMs).toBeGreaterThanOrEqual(450);
    expect(realMs).toBeLessThan(3000);
    expect(failures(trace.records)).toEqual([expect.stringMatching(/not done within 500 ms/)]);
  });
});
