/**
 * Firmware profiles (firmware-matrix/profiles/*.yaml): what a charger model on a firmware version
 * is and does: identity, OCPP version, supported feature profiles (1.6) or functional blocks
 * (2.0.1), configuration defaults, the version an update installs, quirks with params and seeded
 * timing. A rig EVSE takes `firmware: <profile id or path>` and the profile fills its station config.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ERROR_CODES, HarnessError } from '../core/errors.js';
import { checkSchema, parseYamlValue, readInputFile } from './load-yaml.js';

const CODE = ERROR_CODES.CONFIG_INVALID;

/** OCPP 1.6 feature profiles (the values of SupportedFeatureProfiles). */
export const FEATURE_PROFILES_16 = ['Core', 'FirmwareManagement', 'LocalAuthListManagement', 'Reservation', 'SmartCharging', 'RemoteTrigger'] as const;
/** OCPP 2.0.1 functional blocks (Part 2, chapters A-P). */
export const FUNCTIONAL_BLOCKS_201 = [
  'Security', 'Provisioning', 'Authorization', 'LocalAuthorizationListManagement', 'Transactions', 'RemoteControl',
  'Availability', 'Reservation', 'TariffAndCost', 'MeterValues', 'SmartCharging', 'FirmwareManagement',
  'ISO15118CertificateManagement', 'Diagnostics', 'DisplayMessage', 'DataTransfer',
] as const;

const ms = z.number().min(0).max(3_600_000);
/** A seeded timing distribution in ms (the same shape as the station config's `timing`). */
export const DistributionSchema = z.union([
  z.object({ fixed: ms.describe('Always this many ms') }).strict(),
  z.object({ uniform: z.tuple([ms, ms]).describe('[min, max] ms, uniform') }).strict(),
  z.object({
    normal: z.object({
      mean: ms.describe('Mean (ms)'), sd: ms.describe('Standard deviation (ms)'),
      min: ms.optional().describe('Lower clamp (ms)'), max: ms.optional().describe('Upper clamp (ms)'),
    }).strict().describe('Normal distribution, clamped to [min, max]'),
  }).strict(),
]).describe('A duration in ms: { fixed: n } | { uniform: [min, max] } | { normal: { mean, sd, min?, max? } }');

export const QuirkRefSchema = z.object({
  id: z.string().regex(/^(ocpp|meter|evse)\/[a-z0-9][a-z0-9-]*$/, 'expected a quirk id like "ocpp/no-boot-after-reconnect"').describe('Quirk id from the quirk catalogue'),
  params: z.record(z.string(), z.unknown()).default({}).describe('Parameters of the quirk (checked by the quirk\'s own schema when the station starts)'),
  source: z.string().optional().describe('Where this firmware was seen doing it (issue, PR, vendor note)'),
}).strict().describe('A quirk this firmware shows');

export const FirmwareProfileSchema = z.object({
  $schema: z.string().optional().describe('JSON Schema reference for editors'),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and ._- only').optional()
    .describe('Profile id (defaults to the file name without .yaml; when given it must equal it)'),
  description: z.string().optional().describe('What this profile stands for'),
  modelledOn: z.array(z.string()).default([]).describe('Public sources the profile\'s behaviour is modelled on (empty: a made-up profile)'),
  vendor: z.string().min(1).max(20).describe('chargePointVendor / vendorName reported at boot'),
  model: z.string().min(1).max(20).describe('chargePointModel / model reported at boot'),
  firmware: z.object({
    version: z.string().min(1).max(50).describe('Firmware version the virtual station reports at boot'),
    range: z.string().max(100).optional().describe('Firmware versions the profile is known to hold for (e.g. ">=4.1.0 <4.3.0"); informational'),
  }).strict().describe('The firmware this profile describes'),
  ocppVersion: z.enum(['1.6', '2.0.1']).describe('OCPP version the firmware speaks'),
  features: z.array(z.string().min(1)).min(1)
    .describe('1.6: supported feature profiles (Core, SmartCharging, ...); 2.0.1: implemented functional blocks (Provisioning, SmartCharging, ...)'),
  settings: z.record(z.string().min(1).max(200), z.string().max(2500)).default({})
    .describe('Configuration defaults: 1.6 configuration keys, or station settings behind 2.0.1 variables (HeartbeatInterval, MeterValueSampleInterval, ...)'),
  update: z.object({
    images: z.record(z.string().min(1), z.string().min(1).max(50)).default({})
      .describe('Firmware version each update image installs, by image file name'),
  }).strict().prefault({}).describe('What a firmware update installs'),
  quirks: z.array(QuirkRefSchema).default([]).describe('Quirks this firmware shows, with params'),
  timing: z.object({
    responseLatencyMs: DistributionSchema.optional().describe('Time the station takes to answer a CSMS call'),
    bootDurationMs: DistributionSchema.optional().describe('Time from power-up to the first BootNotification'),
    rebootDurationMs: DistributionSchema.optional().describe('Time a reset takes until the station is back'),
  }).strict().optional().describe('Seeded timing distributions (ms)'),
  expectedCoverage: z.array(z.string()).optional()
    .describe('Operations the feature probe should find supported (default: derived from features)'),
}).strict().superRefine((p, ctx) => {
  const known: readonly string[] = p.ocppVersion === '1.6' ? FEATURE_PROFILES_16 : FUNCTIONAL_BLOCKS_201;
  p.features.forEach((f, i) => {
    if (!known.includes(f)) ctx.addIssue({ code: 'custom', path: ['features', i], message: `${f} is not an OCPP ${p.ocppVersion} ${p.ocppVersion === '1.6' ? 'feature profile' : 'functional block'} (known: ${known.join(', ')})` });
  });
  if (p.ocppVersion === '1.6' && !p.features.includes('Core')) ctx.addIssue({ code: 'custom', path: ['features'], message: 'a 1.6 charger supports Core' });
  const d = p.timing ? Object.entries(p.timing) : [];
  for (const [name, dist] of d) {
    if (dist && 'uniform' in dist && dist.uniform[0] > dist.uniform[1]) ctx.addIssue({ code: 'custom', path: ['timing', name, 'uniform'], message: 'min must not exceed max' });
  }
});

export type FirmwareProfile = z.output<typeof FirmwareProfileSchema> & { id: string; file: string };

/** The chargebench package folder (holds firmware-matrix/), from src/plan or dist/src/plan. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 5; k++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'firmware-matrix'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Folder of the shipped profiles. */
export function shippedProfilesDir(): string {
  return join(packageRoot(), 'firmware-matrix', 'profiles');
}

/**
 * Where a profile reference points: a path (it has a / or ends in .yaml/.yml) relative to `baseDir`;
 * an id: <baseDir>/firmware-matrix/profiles/<id>.yaml, then the shipped profiles folder.
 */
export function profilePath(ref: string, baseDir: string): { path?: string; tried: string[] } {
  const looksLikePath = ref.includes('/') || ref.includes('\\') || /\.ya?ml$/i.test(ref);
  const candidates = looksLikePath ? [isAbsolute(ref) ? ref : resolve(baseDir, ref)]
    : [resolve(baseDir, 'firmware-matrix', 'profiles', `${ref}.yaml`), resolve(baseDir, 'profiles', `${ref}.yaml`), resolve(shippedProfilesDir(), `${ref}.yaml`)];
  const path = candidates.find((c) => existsSync(c));
  return path ? { path, tried: candidates } : { tried: candidates };
}

/** Read and check one profile file; every problem names the file and field. */
export function loadFirmwareProfileFile(file: string): FirmwareProfile {
  const raw = parseYamlValue(readInputFile(file, CODE), file, CODE);
  const p = checkSchema(raw, file, FirmwareProfileSchema, CODE);
  const fromName = basename(file, extname(file));
  if (p.id !== undefined && p.id !== fromName) {
    const message = `${file}: id: ${p.id} differs from the file name ${fromName} (rename one)`;
    throw new HarnessError(CODE, message, { file, problems: [message] });
  }
  return { ...p, id: p.id ?? fromName, file };
}

/** Resolve a reference (id or path) and load the profile; `where` names the field that holds it. */
export function loadFirmwareProfile(ref: string, baseDir: string, where: string): FirmwareProfile {
  const { path, tried } = profilePath(ref, baseDir);
  if (!path) {
    const message = `${where}: no firmware profile ${JSON.stringify(ref)} (looked for ${tried.join(', ')})`;
    throw new HarnessError(CODE, message, { field: where, problems: [message] });
  }
  return loadFirmwareProfileFile(path);
}

/** Every profile in a folder, sorted by id. */
export function loadProfilesIn(dir: string): FirmwareProfile[] {
  let names: string[];
  try {
    names = readdirYaml(dir);
  } catch (err) {
    throw new HarnessError(CODE, `${dir}: cannot list profiles: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { path: dir });
  }
  return names.map((n) => loadFirmwareProfileFile(join(dir, n))).sort((a, b) => a.id.localeCompare(b.id));
}

function readdirYaml(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n));
}

/** Fields of the station config a profile fills (the rig's own fields win where both are set). */
export function stationFieldsOf(p: FirmwareProfile, supported: (key: string) => boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    vendor: p.vendor, model: p.model, firmwareVersion: p.firmware.version, ocppVersion: p.ocppVersion,
    features: p.features, settings: p.settings, firmware: { images: p.update.images },
  };
  if (p.quirks.length && supported('quirks')) out.quirks = p.quirks.map(({ id, params }) => ({ id, params }));
  if (p.timing && supported('timing')) out.timing = p.timing;
  return out;
}

/** Profile fields this build's virtual station cannot take yet (the station config has no such key). */
export function unappliedFields(p: FirmwareProfile, supported: (key: string) => boolean): string[] {
  const out: string[] = [];
  if (p.quirks.length && !supported('quirks')) out.push('quirks');
  if (p.timing && !supported('timing')) out.push('timing');
  return out;
}
