/**
 * Declarative matching of OCPP payloads: `expected` is a JSON subset of `actual`. Objects match when
 * every expected key matches; arrays when every expected element matches some actual element;
 * scalars by equality (numbers compared as numbers, so "7400" in 1.6 string values matches 7400).
 */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') {
    if (typeof expected === 'number' && typeof actual === 'string' && actual.trim() !== '') return Number(actual) === expected;
    return Object.is(actual, expected);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return false;
    return expected.every((e) => actual.some((a) => containsSubset(a, e)));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).every(([k, v]) => k in a && containsSubset(a[k], v));
}
