import { describe, expect, it } from 'vitest';
import { ActionHandlers, actionSet } from '../../src/transport/action-handlers.js';

// ocpp-rpc calls get/set/delete/clear on a client's handler table: ActionHandlers must answer like its Map would.
describe('ActionHandlers (a peer handler table: one shared action set, one dispatcher)', () => {
  const LIST = ['Reset', 'GetVariables'];

  it('answers the dispatcher for the set and nothing for other actions', () => {
    const t = new ActionHandlers(actionSet(LIST), 'dispatch');
    expect(t.get('Reset')).toBe('dispatch');
    expect(t.get('GetVariables')).toBe('dispatch');
    expect(t.get('Unknown')).toBeUndefined();
  });

  it('a handler set later wins, as a later Map.set would; removing it brings back nothing for that action', () => {
    const t = new ActionHandlers(actionSet(LIST), 'dispatch');
    t.set('Reset', 'own').set('Extra', 'extra');
    expect(t.get('Reset')).toBe('own');
    expect(t.get('Extra')).toBe('extra');
    expect(t.delete('Reset')).toBe(true);
    expect(t.get('Reset')).toBeUndefined();
    expect(t.delete('Reset')).toBe(false);
    t.set('Reset', 'again');
    expect(t.get('Reset')).toBe('again');
  });

  it('clear() removes every handler', () => {
    const t = new ActionHandlers(actionSet(LIST), 'dispatch');
    t.set('Extra', 'extra');
    t.clear();
    expect(t.get('Reset')).toBeUndefined();
    expect(t.get('Extra')).toBeUndefined();
  });

  it('one Set per list: connections of a dialect share it', () => {
    expect(actionSet(LIST)).toBe(actionSet(LIST));
    expect(actionSet([...LIST])).not.toBe(actionSet(LIST));
    expect([...actionSet(LIST)]).toEqual(LIST);
  });
});
