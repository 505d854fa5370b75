/**
 * The handler table of one ocpp-rpc peer when a single dispatcher answers a fixed set of actions
 * (`OcppLink.handleMany`). ocpp-rpc keeps a Map per client with one entry per action: 64 entries
 * (about 2 KiB) on every 2.0.1 connection, all pointing at the same function. This table answers
 * ocpp-rpc's lookups from the action set (shared by every connection of a dialect) and the one
 * dispatcher; handlers registered or removed one by one afterwards (`handle`, `removeHandler`)
 * behave as with ocpp-rpc's own Map. ocpp-rpc only calls get/set/delete/clear on it.
 */
export class ActionHandlers<H> {
  /** Handlers registered one by one after the set (they win, as a later Map.set would). */
  private own: Map<string, H> | undefined;
  /** Actions of the set whose handler was removed. */
  private removed: Set<string> | undefined;

  constructor(private actions: ReadonlySet<string>, private readonly dispatcher: H) {}

  get(action: string): H | undefined {
    const h = this.own?.get(action);
    if (h !== undefined) return h;
    return this.actions.has(action) && !this.removed?.has(action) ? this.dispatcher : undefined;
  }

  has(action: string): boolean {
    return this.get(action) !== undefined;
  }

  set(action: string, handler: H): this {
    (this.own ??= new Map()).set(action, handler);
    this.removed?.delete(action);
    return this;
  }

  delete(action: string): boolean {
    const had = this.has(action);
    this.own?.delete(action);
    if (this.actions.has(action)) (this.removed ??= new Set()).add(action);
    return had;
  }

  clear(): void {
    this.own = undefined;
    this.removed = undefined;
    this.actions = new Set();
  }
}

/** One Set per actions list (the dialects pass module-level lists, so every connection shares it). */
const setsOfLists = new WeakMap<readonly string[], ReadonlySet<string>>();

export function actionSet(actions: readonly string[]): ReadonlySet<string> {
  let set = setsOfLists.get(actions);
  if (!set) {
    set = new Set(actions);
    setsOfLists.set(actions, set);
  }
  return set;
}
