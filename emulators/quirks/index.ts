/** The generic quirk model shared by every device kind. */
export { defineQuirk, type BaseQuirkContext, type DeviceKind, type HookPoint, type QuirkDefinition, type QuirkFiring } from './types.js';
export { QuirkEntrySchema, QuirkRegistry, type QuirkEntry, type ResolvedQuirk } from './registry.js';
export { quirkFiring } from './firing.js';
