/**
 * Rig settings of the CSMS's layered scheduling (`csms.scheduling`). Without this section the
 * load manager keeps its default: an equal split with redistribution, event-driven only.
 */
import { z } from 'zod';
import { TariffSchema } from '../../site/tariff.js';
import { POLICY_NAMES } from './types.js';

const LinePhaseLimits = z.object({
  L1: z.number().positive().optional().describe('Limit of line L1 (A)'),
  L2: z.number().positive().optional().describe('Limit of line L2 (A)'),
  L3: z.number().positive().optional().describe('Limit of line L3 (A)'),
}).strict();

export const SchedulingSchema = z.object({
  policy: z.enum(POLICY_NAMES).default('equal')
    .describe('Site scheduling policy: equal (equal split, unused shares redistributed), fcfs (first come first served), edf (earliest deadline first), llf (least laxity first), commitment (admission control before the plug-in, a floor for every session, least laxity first, a demand target set from the commitments)'),
  periodS: z.number().min(0).default(60)
    .describe('Site scheduler period (s): it also re-plans on every session start/end, status and limit change; 0 = only on those events'),
  latencyMs: z.number().int().min(0).default(0)
    .describe('Delay between a scheduler decision and its SetChargingProfile pushes (ms), the control path\'s latency'),
  cloudPeriodS: z.number().min(0).default(900)
    .describe('Cloud policy period (s): how often the tariff- and DR-aware site target is recomputed; 0 = no cloud layer'),
  transformerKva: z.number().positive().optional()
    .describe('Transformer rating (kVA): building load plus every session stays under it (unity power factor)'),
  lineLimitsA: LinePhaseLimits.optional()
    .describe('Secondary line current limits (A) behind a delta-wye transformer; line-pair (2-phase) stations load two lines at 30 degrees, so a line carries sqrt(Iab^2 + Ica^2 + Iab*Ica)'),
  lineVoltage: z.number().positive().default(230)
    .describe('Phase-to-neutral voltage (V) of the lines, to turn the building load into line current'),
  pilotSetA: z.array(z.number().min(0)).min(1).optional()
    .describe('Discrete pilot currents (A per phase) a station accepts, e.g. [0, 6, 8, 10, 13, 16, 32]: every allocation rounds down to one of them'),
  stationMaxA: z.number().positive().optional()
    .describe('Current per phase (A) a session is assumed to take, for stations whose rating the scheduler does not know (the rig tells it for its own stations), until its EV request or its meter values tell less; absent = no cap'),
  demandTargetW: z.number().positive().optional()
    .describe('commitment: a site import (W, building included) its demand target never goes under (the policy sets the target from what the commitments need, the floors and the demand already billed); commitments are admitted under it (x 0.9); absent = the site limit for admission, no lower bound on the target'),
  minChangeW: z.number().min(0).default(0)
    .describe('A raise of a session\'s limit is pushed only when it is more than this (W; in A: this over voltage x phases) or from 0; a lower limit is always pushed, an unchanged one never again; 0 = every change'),
  tariff: TariffSchema.optional().describe('Time-of-use tariff and demand charge the cloud policy trims against'),
}).strict().describe('Layered site control: scheduler policy, periods, latency, transformer/line limits, pilot set, tariff');

export type SchedulingConfig = z.output<typeof SchedulingSchema>;
export type SchedulingConfigInput = z.input<typeof SchedulingSchema>;
