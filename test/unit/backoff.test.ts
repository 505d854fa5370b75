import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../emulators/evse/station-link.js';

const R = { initialDelayS: 1, maxDelayS: 30, factor: 2, jitter: 0.25 };

describe('reconnect backoff', () => {
  it.each([
    [0, 0, 1000], [1, 0, 2000], [2, 0, 4000], [4, 0, 16_000], [5, 0, 30_000], [9, 0, 30_000],
    [0, 0.5, 1125], [0, 0.999, 1250], [5, 1, 37_500],
  ])('attempt %i with random %d waits %i ms', (attempt, random, ms) => {
    expect(backoffDelayMs(R, attempt, random)).toBe(ms);
  });

  it('without jitter or growth it is a fixed delay', () => {
    expect(backoffDelayMs({ initialDelayS: 300, maxDelayS: 300, factor: 1, jitter: 0 }, 7, 0.9)).toBe(300_000);
  });
});
