/**
 * The rig's CAN sections: `can:` (buses, and which virtual DC stations drive power modules on
 * them) and `converters:` (emulated DC power modules). Checked against each other and the EVSEs.
 */
import { z } from 'zod';
import { ConverterConfigSchema } from '../../emulators/converter/config.js';

const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits and _.:- only');
const bitrate = z.number().int().positive().default(125_000).describe('Bit rate (bit/s); CBPM modules use 125000');

export const CanBusConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('virtual'), name, bitrate }).strict()
    .describe('An in-process bus with bit timing and arbitration, on the rig clock (no hardware)'),
  z.object({
    kind: z.literal('slcan'), name, bitrate,
    path: z.string().min(1).describe('Serial device of the slcan adapter (CANable, CANUSB), e.g. /dev/ttyACM0'),
    baudRate: z.number().int().positive().default(115_200).describe('Serial line speed (USB CDC adapters ignore it)'),
    role: z.enum(['host', 'adapter']).default('host')
      .describe('host: the device is a USB-CAN adapter (chargebench opens the channel); adapter: chargebench plays the adapter for a host at the other end (slcand, python-can)'),
  }).strict().describe('An slcan (LAWICEL ASCII) adapter on a serial port'),
  z.object({
    kind: z.literal('socketcan'), name, bitrate,
    interface: z.string().min(1).max(15).describe('Linux CAN interface, e.g. can0 (set up with: ip link set can0 up type can bitrate 125000); needs the optional npm package socketcan'),
  }).strict().describe('A Linux SocketCAN interface'),
]).describe('A CAN bus');

export const CanControllerSchema = z.object({
  station: z.string().min(1).describe('Identity of a virtual DC station (evses, electrical.kind DC) whose power stage is these modules'),
  bus: z.string().min(1).describe('Bus the modules are on (can.buses[].name)'),
  modules: z.array(z.number().int().min(1).max(0x3e)).min(1).describe('Module addresses the station drives (emulated converters or real modules)'),
  address: z.number().int().min(0xf0).max(0xf7).default(0xf0).describe('Controller address on the bus'),
  tickMs: z.number().int().min(10).default(250).describe('Setpoints (and keep-alive) to every module every this many ms'),
  silentAfterMs: z.number().int().min(10).default(1000).describe('A module with no frame for this long counts as lost'),
}).strict().describe('A virtual DC station driving CAN power modules (CBPM protocol)');

export const CanSectionSchema = z.object({
  buses: z.array(CanBusConfigSchema).min(1).describe('CAN buses of the rig'),
  controllers: z.array(CanControllerSchema).default([]).describe('Virtual DC stations whose power comes from power modules on a bus'),
}).strict().describe('CAN buses, and the DC stations that drive power modules over them');

export const ConvertersSchema = z.array(ConverterConfigSchema).default([]).describe('Emulated DC power modules on the rig\'s CAN buses');

export type CanSection = z.output<typeof CanSectionSchema>;
export type CanBusConfig = z.output<typeof CanBusConfigSchema>;

interface RigCanView {
  can?: CanSection | undefined;
  converters: z.output<typeof ConvertersSchema>;
  evses: { identity: string; count: number; electrical: { kind: string } }[];
}

/** Cross-checks: bus names exist and are unique, converter ids and addresses unique per bus, controllers name DC stations. */
export function checkCan(rig: RigCanView, ctx: z.RefinementCtx): void {
  const buses = new Map<string, CanBusConfig>();
  rig.can?.buses.forEach((b, i) => {
    if (buses.has(b.name)) ctx.addIssue({ code: 'custom', path: ['can', 'buses', i, 'name'], message: `bus ${b.name} is defined twice` });
    buses.set(b.name, b);
  });
  const known = [...buses.keys()].join(', ') || 'none: add a can.buses section';
  const ids = new Set<string>();
  const addrs = new Set<string>();
  rig.converters.forEach((c, i) => {
    if (!buses.has(c.bus)) ctx.addIssue({ code: 'custom', path: ['converters', i, 'bus'], message: `no CAN bus ${c.bus} (buses: ${known})` });
    if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: ['converters', i, 'id'], message: `converter id ${c.id} is used twice` });
    ids.add(c.id);
    const key = `${c.bus}/${c.address}`;
    if (addrs.has(key)) ctx.addIssue({ code: 'custom', path: ['converters', i, 'address'], message: `address ${c.address} is used twice on bus ${c.bus}` });
    addrs.add(key);
  });
  const stations = new Map(rig.evses.filter((e) => e.count === 1).map((e) => [e.identity, e]));
  rig.can?.controllers.forEach((c, i) => {
    if (!buses.has(c.bus)) ctx.addIssue({ code: 'custom', path: ['can', 'controllers', i, 'bus'], message: `no CAN bus ${c.bus} (buses: ${known})` });
    const st = stations.get(c.station);
    if (!st) ctx.addIssue({ code: 'custom', path: ['can', 'controllers', i, 'station'], message: `no virtual station ${c.station} (a single evses entry with that identity)` });
    else if (st.electrical.kind !== 'DC') ctx.addIssue({ code: 'custom', path: ['can', 'controllers', i, 'station'], message: `station ${c.station} is ${st.electrical.kind}; power modules feed a DC station (electrical.kind: DC)` });
  });
}

/** Buses on hardware (they run in real time). */
export function externalCanParts(can: CanSection | undefined): string[] {
  return (can?.buses ?? []).flatMap((b, i) => (b.kind === 'virtual' ? [] : [`can.buses[${i}] (${b.kind})`]));
}
