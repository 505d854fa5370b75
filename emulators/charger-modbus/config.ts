/**
 * A virtual station's Modbus load-management interface (rig: `modbus: { map, tcp, rtu }` on an
 * `evses` entry): which charger map it serves, on which links, with which unit ids, safe current,
 * validity time and quirks.
 */
import { z } from 'zod';
import { QuirkEntrySchema } from '../quirks/registry.js';
import { MeterRtuSchema, MeterTcpSchema } from '../meter/config.js';
import { chargerModbusQuirkRegistry } from './quirks/index.js';

export const ChargerModbusConfigSchema = z.object({
  map: z.string().min(1).default('generic')
    .describe('Charger register map: alfen-ng9xx, abb-terra-ac, abl-emh1, webasto-next, generic (built in) or a path to a map file relative to the rig'),
  unitIds: z.array(z.number().int().min(1).max(255)).min(1).optional().describe('Unit id of connector 1, 2, ... (default: the map\'s)'),
  stationUnitId: z.number().int().min(1).max(255).optional().describe('Unit id of the station registers (default: the map\'s, e.g. Alfen 200)'),
  safeCurrentA: z.number().min(0).optional().describe('Safe (fallback) current per phase (A); default the map\'s'),
  validityS: z.number().positive().optional().describe('Setpoint validity time (s) for maps with a watchdog; default the map\'s'),
  tcp: MeterTcpSchema.optional().describe('Serve Modbus TCP (port 0 picks a free one; a station entry with count > 1 needs port 0)'),
  rtu: MeterRtuSchema.optional().describe('Serve Modbus RTU on a serial port (one station only)'),
  quirks: z.array(QuirkEntrySchema).superRefine((list, ctx) => chargerModbusQuirkRegistry().check(list, ctx)).default([])
    .describe('Field behaviours of the Modbus interface (ids modbus-charger/...)'),
}).strict().superRefine((c, ctx) => {
  if (!c.tcp && !c.rtu) ctx.addIssue({ code: 'custom', path: [], message: 'give tcp, rtu or both: the interface needs a link' });
}).describe('The station\'s Modbus TCP / RTU load-management interface (alongside OCPP)');

export type ChargerModbusConfig = z.output<typeof ChargerModbusConfigSchema>;
export type ChargerModbusConfigInput = z.input<typeof ChargerModbusConfigSchema>;
