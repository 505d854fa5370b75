import { afterEach, describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { Rng } from '../../src/core/rng.js';
import { createStation } from '../../emulators/evse/create-station.js';
import type { ChargeStation } from '../../emulators/evse/station.js';
import { startRawCsms, type RawCsms } from './support/raw-csms.js';

describe('ocpp/no-subprotocol-header (raw ws CSMS sees the handshake)', () => {
  let station: ChargeStation | undefined;
  let csms: RawCsms | undefined;
  afterEach(async () => {
    await station?.stop();
    await csms?.close();
  });

  async function handshake(quirks: { id: string; params?: Record<string, unknown> }[]): Promise<{ protocolHeader: string | undefined; quirkRecords: number; booted: boolean }> {
    csms = await startRawCsms();
    const clock = new RealClock();
    const trace = new MemoryTrace(clock);
    station = createStation({ identity: 'Q1', ocppVersion: '1.6', csmsUrl: csms.url, quirks }, { clock, trace, rng: new Rng(1, 'q') });
    await station.start();
    const c = csms;
    await c.waitFor(() => c.texts.some((t) => t.text.includes('BootNotification')));
    const out = { protocolHeader: c.handshakes[0]?.headers['sec-websocket-protocol'] as string | undefined, quirkRecords: trace.records.filter((r) => r.kind === 'quirk').length, booted: c.texts.length > 0 };
    await station.stop();
    station = undefined;
    await c.close();
    csms = undefined;
    return out;
  }

  it('opens the WebSocket without Sec-WebSocket-Protocol; without the quirk the header names ocpp1.6', async () => {
    expect(await handshake([{ id: 'ocpp/no-subprotocol-header' }])).toEqual({ protocolHeader: undefined, quirkRecords: 1, booted: true });
    expect(await handshake([])).toEqual({ protocolHeader: 'ocpp1.6', quirkRecords: 0, booted: true });
  });
});
