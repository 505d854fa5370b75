/**
 * A plan's `emulatedSite`: the site a plan needs of a rig with the built-in CSMS (for example the
 * rush hour's 50 stations, its connection and its scheduler), added to that rig for this plan only.
 * Data only; src/runner/plan-site.ts merges it into the rig, and the rig schema checks the result.
 */
import { z } from 'zod';

const Fields = z.record(z.string(), z.unknown());

export const EmulatedSiteSchema = z.object({
  site: Fields.optional().describe('Rig `site` fields (installedKva, baseKw, utcOffsetMinutes, ...) that replace the rig\'s for this plan'),
  loadManager: Fields.optional().describe('Rig `csms.loadManager` fields (siteLimitW, unit, ...) that replace the rig\'s for this plan'),
  scheduling: Fields.optional().describe('Rig `csms.scheduling` for this plan; the rig\'s own `policy` (or `run --policies`) still chooses the policy'),
  evses: z.array(Fields).min(1).describe('Virtual stations added to the rig for this plan (rig `evses` entries)'),
}).strict().describe('The emulated site this plan needs: on a rig with the built-in CSMS that does not already have these stations, they are added (and the site, load manager and scheduling set) for this plan only; a rig that has them, or an external CSMS, is used as it is');

export type EmulatedSite = z.output<typeof EmulatedSiteSchema>;
