/**
 * The `scenario` step: a seeded site scenario (arrivals, an EV mix, drivers, offline chargers, a
 * building-load spike, time-of-use tariff windows, a demand charge and DR events) played over the
 * rig's stations. Data only; the generator is emulators/site/arrivals.ts, the runner
 * src/runner/steps-scenario.ts.
 */
import { z } from 'zod';
import { durationProblem } from '../core/duration.js';
import { TariffSchema as SiteTariffSchema } from '../../emulators/site/tariff.js';

const duration = z.string().superRefine((text, ctx) => {
  const problem = durationProblem(text, { positive: false });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const positiveDuration = z.string().superRefine((text, ctx) => {
  const problem = durationProblem(text, { positive: true });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const hourOfDay = z.number().min(0).max(24).describe('Hour of the day (0-24, fractions allowed) on the scenario\'s clock');
const range = (what: string, min = 0) => z.tuple([z.number().min(min), z.number().min(min)])
  .refine(([a, b]) => a <= b, { message: 'expected [min, max] with min <= max' })
  .describe(`${what}: [min, max], drawn uniformly`);
const frac = z.number().min(0).max(1);

/** A log-normal distribution given by its median and the standard deviation of its logarithm. */
export const LogNormalSchema = z.object({
  median: z.number().positive().describe('Median'),
  sigma: z.number().min(0).max(3).describe('Standard deviation of ln(x): 0 = always the median'),
  min: z.number().min(0).optional().describe('Lower clip'),
  max: z.number().positive().optional().describe('Upper clip'),
}).strict();

const Peak = z.object({
  weight: z.number().positive().describe('Relative weight of this component of the mixture'),
  hour: hourOfDay.describe('Mean arrival hour of the component'),
  sdHours: z.number().positive().max(12).describe('Standard deviation of the component (hours)'),
}).strict();

export const ArrivalsSchema = z.object({
  ratesPerHour: z.array(z.number().min(0)).min(1).optional()
    .describe('Arrival rate (cars per hour) for each hour from the scenario\'s start (a non-homogeneous Poisson process); the last rate holds after the list ends'),
  perDay: z.number().int().min(0).optional().describe('Cars per weekday, arrival times drawn from `peaks` (a mixture of normals over the hour of day)'),
  weekendFactor: frac.default(1).describe('Share of `perDay` that arrives on Saturdays and Sundays (site-local calendar)'),
  peaks: z.array(Peak).min(1).optional().describe('Mixture of arrival-hour normals (with perDay)'),
}).strict().superRefine((a, ctx) => {
  const daily = a.perDay !== undefined;
  if (daily === (a.ratesPerHour !== undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'give ratesPerHour, or perDay with peaks' });
  if (daily && !a.peaks) ctx.addIssue({ code: 'custom', path: ['peaks'], message: 'perDay needs peaks (the arrival-hour mixture)' });
}).describe('When cars arrive');

export const EvClassSchema = z.object({
  name: z.string().min(1).describe('Label of the class (reports)'),
  weight: z.number().positive().describe('Relative share of arrivals in this class'),
  batteryKwh: range('Usable battery (kWh)', 1),
  socArrival: range('State of charge at arrival (%)').optional().describe('SoC at arrival (%); with socTarget it sets the energy the car needs'),
  socTarget: z.number().min(0).max(100).default(80).describe('SoC (%) the driver wants at departure'),
  energyKwh: LogNormalSchema.optional().describe('Energy the driver wants (kWh), instead of socArrival (ACN-Sim style); capped by the battery'),
  maxKw: z.number().positive().describe('Most power the car accepts (kW)'),
  acPhases: z.number().int().min(1).max(3).default(3)
    .describe('AC phases its on-board charger uses: maxKw is drawn over these (a 3-phase car on a 1-phase station gets a third); 1 for a single-phase car such as ACN-Sim\'s 6.6 kW ones'),
  taperFromSoc: z.number().min(0).max(100).default(80).describe('SoC (%) above which the car takes less power (its acceptance curve)'),
  stayHours: LogNormalSchema.optional().describe('How long the car stays (hours)'),
  deadlineHours: range('Route deadline after arrival (h): the car must leave then, energy or not').optional(),
}).strict().superRefine((c, ctx) => {
  if ((c.socArrival === undefined) === (c.energyKwh === undefined)) ctx.addIssue({ code: 'custom', path: ['energyKwh'], message: 'give socArrival or energyKwh' });
  if ((c.stayHours === undefined) === (c.deadlineHours === undefined)) ctx.addIssue({ code: 'custom', path: ['stayHours'], message: 'give stayHours or deadlineHours' });
});

export const DriversSchema = z.object({
  idTags: z.array(z.string().min(1)).min(1).describe('Cards of good drivers, used in turn'),
  declinedIdTag: z.string().min(1).default('CARD-DECLINED').describe('Card presented by a driver whose card is declined (the control stack must refuse it)'),
  declineRate: frac.default(0).describe('Share of drivers whose card is declined'),
  paymentTimeoutRate: frac.default(0).describe('Share of drivers whose payment times out at the terminal before any Authorize is sent'),
  retryRate: frac.default(0).describe('Share of drivers with a failed start who try once more with a good card (the others walk away)'),
  patience: duration.default('15m').describe('How long a driver waits for a free charger before leaving'),
  startTimeout: positiveDuration.default('2m').describe('How long a driver waits for the transaction to start after presenting the card'),
}).strict();

const Window = z.object({ at: duration.describe('Start, from the scenario\'s start'), for: positiveDuration.describe('How long') });
export const OfflineSchema = Window.extend({ evse: z.string().min(1).describe('Station selector taken offline (network down)') }).strict();
export const LoadSpikeSchema = Window.extend({ kw: z.number().min(0).describe('Building load (kW) during the window') }).strict();
export const DrEventSchema = Window.extend({ limitKw: z.number().min(0).describe('Site limit (kW) during the event') }).strict();

/** The rig's tariff shape (emulators/site/tariff.ts, what the CSMS's cloud policy plans with), plus the curtailment cost. */
export const TariffSchema = SiteTariffSchema.extend({
  curtailmentPerKwh: z.number().min(0).default(0).describe('Cost of each kWh a driver wanted but did not get by departure (currency/kWh)'),
}).strict().describe('Time-of-use prices, demand charge and curtailment cost: written to the trace so `chargebench metrics` scores the run with it');

/** A published result to set the run beside (reports label it as published, not measured). */
export const ReferenceSchema = z.object({
  label: z.string().min(1).describe('What the figures are, e.g. "ACN-Sim LLF, 100 cars/day"'),
  source: z.string().min(1).describe('Where they were published'),
  energyDeliveredPct: z.number().min(0).max(100).optional().describe('Share of the energy asked for that was delivered (%)'),
  costPerKwh: z.number().min(0).optional().describe('Delivered cost per kWh (energy + demand charge), in the tariff\'s currency'),
}).strict();

export const ScenarioFields = {
  evse: z.string().min(1).default('evse[*]').describe('Stations the scenario plays over'),
  connector: z.number().int().min(1).default(1).describe('Connector used on each station'),
  duration: positiveDuration.describe('How long arrivals come in; the step then waits for the cars still plugged in to leave (at most `drain`)'),
  drain: duration.default('2h').describe('Longest wait after `duration` for the remaining cars to leave (they are then stopped)'),
  seed: z.number().int().optional().describe('Seed of the scenario (default: the run\'s --seed)'),
  arrivals: ArrivalsSchema,
  evMix: z.array(EvClassSchema).min(1).describe('The EV mix'),
  drivers: DriversSchema,
  offline: z.array(OfflineSchema).default([]).describe('Chargers that go offline (their network drops) for a while'),
  buildingLoad: z.array(LoadSpikeSchema).default([]).describe('Building-load spikes'),
  dr: z.array(DrEventSchema).default([]).describe('Demand-response events: the site limit drops for a while'),
  tariff: TariffSchema,
  references: z.array(ReferenceSchema).default([])
    .describe('Published figures of the same case (another simulator\'s), printed beside the scorecard and labelled as not measured'),
  progressEvery: duration.default('30m').describe('Record a progress line (sessions so far, queue, power) this often'),
};

export type ScenarioArrivals = z.output<typeof ArrivalsSchema>;
export type EvClass = z.output<typeof EvClassSchema>;
export type Drivers = z.output<typeof DriversSchema>;
export type Tariff = z.output<typeof TariffSchema>;
export type LogNormal = z.output<typeof LogNormalSchema>;
