/**
 * A power module on a virtual CAN bus with a test controller node: send CBPM commands by DBC
 * message name, collect the module's frames decoded, run the virtual clock.
 */
import { MemoryTrace } from '../../src/core/trace.js';
import { RngFactory } from '../../src/core/rng.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { VirtualCanMedium } from '../../src/transport/can/virtual-bus.js';
import { type ConverterConfigInput, ConverterConfigSchema } from '../../emulators/converter/config.js';
import { PowerModule } from '../../emulators/converter/power-module.js';
import { CbpmCodec } from '../../emulators/converter/protocol.js';
import { SiteModel } from '../../emulators/site/site-model.js';

export interface Received { t: number; message: string; src: number; dest: number; signals: Record<string, number | string>; data: Uint8Array }

export function moduleRig(cfg: Partial<ConverterConfigInput> = {}, seed = 1) {
  const clock = new VirtualClock();
  const trace = new MemoryTrace(clock);
  const medium = new VirtualCanMedium(clock, { name: 'dc', bitrate: 125_000 });
  const codec = new CbpmCodec();
  const site = new SiteModel({}, clock);
  const config = ConverterConfigSchema.parse({ id: 'pm1', bus: 'dc', address: 1, ...cfg });
  const rngs = new RngFactory(seed);
  const module = new PowerModule(config, { clock, trace, bus: medium.attach('pm1'), codec, rng: (n) => rngs.stream(n), site });
  const ctl = medium.attach('controller');
  const rx: Received[] = [];
  ctl.onFrame((f) => {
    const d = codec.decode(f);
    if (d) rx.push({ t: clock.now(), message: d.message, src: d.id.src, dest: d.id.dest, data: f.data, signals: Object.fromEntries(Object.entries(d.signals).map(([k, v]) => [k, v.label ?? v.value])) });
  });
  const send = (message: string, values: Record<string, number> = {}, dest = config.address, group = false): void => {
    void ctl.send(codec.encode(message, values, { fromModule: false, group, dest, src: 0xf0 }));
  };
  const last = (message: string): Received | undefined => rx.filter((r) => r.message === message).at(-1);
  const quirkRecords = () => trace.records.filter((r) => r.kind === 'quirk');
  return { clock, trace, medium, codec, site, module, ctl, rx, send, last, quirkRecords, config };
}
