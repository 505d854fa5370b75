/**
 * The id a station gives a transaction (2.0.1 transactionId; 1.6 keeps it as its local key):
 * identity, a run tag, the boot count and a running number. The run tag keeps ids unique across runs
 * on one CSMS (a real back-end keeps its transactions between runs; without it every run would
 * reuse CB201-01-1-1). Reports replace the tag with {run}, so two runs of one seed compare equal.
 * At most 36 characters (the 2.0.1 limit): a long identity is cut from the front.
 */
const MAX_TX_ID = 36;

export function transactionIdFor(identity: string, runTag: string | undefined, bootCount: number, n: number): string {
  const tail = `${runTag ? `-${runTag}` : ''}-${bootCount}-${n}`;
  const room = MAX_TX_ID - tail.length;
  return `${identity.length > room ? identity.slice(identity.length - Math.max(room, 1)) : identity}${tail}`;
}

/** A run tag from the wall-clock time of the run's start (base 36 milliseconds, 8 characters). */
export function runTagFrom(wallMs: number): string {
  return Math.floor(wallMs).toString(36);
}
