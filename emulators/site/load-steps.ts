/**
 * The building-load profile's steps (the site's load profile): each takes effect at an elapsed time since
 * the start or at a site-local time of day (every day), and holds until the next one. Pure lookups
 * over (elapsed ms, time of day ms) for the site model.
 */
import type { StepAt } from './config.js';

export interface LoadStep {
  at: StepAt;
  /** Active power (W), all phases together. */
  w: number;
  /** Reactive power (var), all phases together. */
  varh: number;
}

export const DAY_MS = 86_400_000;
export const mod = (x: number, m: number): number => ((x % m) + m) % m;

/** The step that took effect most recently (ties: the later one in the list); none before any did. */
export function activeLoadStep(steps: readonly LoadStep[], elapsed: number, timeOfDay: number): LoadStep | undefined {
  let best: LoadStep | undefined;
  let bestAge = Infinity;
  for (const s of steps) {
    const age = s.at.kind === 'elapsed' ? elapsed - s.at.ms : mod(timeOfDay - s.at.ms, DAY_MS);
    if (age >= 0 && age <= bestAge) {
      best = s;
      bestAge = age;
    }
  }
  return best;
}

/** Milliseconds until the next step boundary; Infinity when none is ahead. */
export function nextLoadStepIn(steps: readonly LoadStep[], elapsed: number, timeOfDay: number): number {
  let next = Infinity;
  for (const s of steps) {
    const d = s.at.kind === 'elapsed' ? s.at.ms - elapsed : mod(s.at.ms - timeOfDay, DAY_MS) || DAY_MS;
    if (d > 0 && d < next) next = d;
  }
  return next;
}
