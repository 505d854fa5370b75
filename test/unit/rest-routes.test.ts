/** Issue 17 item 1: route templates and presets of the REST trigger adapter (pure logic). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/core/clock.js';
import { MemoryTrace } from '../../src/core/trace.js';
import { loadRestPreset, routeFor, RestRouteSchema } from '../../src/adapters/rest-preset.js';
import { buildRequest, type RestTriggerOptions } from '../../src/adapters/rest-trigger.js';
import { lowerCamel, renderText, renderValue } from '../../src/adapters/rest-template.js';
import { unsuccessful } from '../../src/adapters/rest-http.js';
import { idTokenProblem, inferIdTokenType } from '../../emulators/evse/id-token.js';
import { transactionIdFor } from '../../emulators/evse/tx-id.js';
import { StationConfigSchema } from '../../emulators/evse/config.js';

const clock = new RealClock();
const opts = (preset: string, extra: Partial<RestTriggerOptions> = {}): RestTriggerOptions => ({
  url: 'http://csms.test:8080/', preset: loadRestPreset(preset), timeoutMs: 1000, clock, trace: new MemoryTrace(clock), ...extra,
});
const vars = (action: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  station: 'CP 1', version: '2.0.1', action, actionCamel: lowerCamel(action), tenant: 'T1', payload, ...extra,
});

describe('REST route templates', () => {
  it('citrineos: camelCase action under its module, identifier and tenantId in the query, the payload as body', () => {
    const o = opts('citrineos');
    const payload = { idToken: { idToken: '04A1B2C3', type: 'ISO14443' }, remoteStartId: 1 };
    const route = routeFor(o.preset, {}, 'RequestStartTransaction');
    expect(route).toBeDefined();
    const req = buildRequest(o, route!, vars('RequestStartTransaction', payload, { module: o.preset.modules.RequestStartTransaction }));
    expect(req).toEqual({
      method: 'POST', url: 'http://csms.test:8080/ocpp/2.0.1/evdriver/requestStartTransaction?identifier=CP+1&tenantId=T1', headers: {}, body: payload,
    });
    expect(o.preset.answer).toBe('wire');
  });

  it('octt: the synchronous hook path, answer from the body', () => {
    const o = opts('octt');
    const req = buildRequest(o, routeFor(o.preset, {}, 'Reset')!, vars('Reset', { type: 'Immediate' }));
    expect(req.url).toBe('http://csms.test:8080/api/octt/2.0.1/CP%201/Reset');
    expect(o.preset.answer).toBe('body');
  });

  it('a rig route overrides the preset; body templates keep types; an empty query value is left out; secrets come from the environment', () => {
    const route = RestRouteSchema.parse({
      method: 'PUT', path: '/stations/{station}/commands/{actionCamel}', query: { tenant: '{tenant}', dry: '' },
      headers: { authorization: 'Bearer ${env:CB_TEST_TOKEN}' }, body: { command: '{action}', token: '{payload.idToken}', id: '{payload.remoteStartId}', note: 'start {payload.idToken.idToken}' },
    });
    const o = opts('citrineos', { env: { CB_TEST_TOKEN: 's3cret' }, headers: { 'x-site': '{station}' } });
    const req = buildRequest(o, routeFor(o.preset, { RequestStartTransaction: route }, 'RequestStartTransaction')!, vars('RequestStartTransaction', { idToken: { idToken: 'A1', type: 'Local' }, remoteStartId: 7 }, { tenant: '' }));
    expect(req).toEqual({
      method: 'PUT', url: 'http://csms.test:8080/stations/CP%201/commands/requestStartTransaction',
      headers: { 'x-site': 'CP 1', authorization: 'Bearer s3cret' },
      body: { command: 'RequestStartTransaction', token: { idToken: 'A1', type: 'Local' }, id: 7, note: 'start A1' },
    });
  });

  it('errors name the template: an unset environment variable, an unknown placeholder, an action without a module', () => {
    expect(() => renderText('Bearer ${env:CB_NOT_SET_X}', {}, 'rig headers.authorization', {})).toThrow(/rig headers\.authorization: the environment variable CB_NOT_SET_X is not set/);
    expect(() => renderValue({ a: '{stationId}' }, { station: 'X' }, 'route body')).toThrow(/route body\.a: unknown placeholder \{stationId\} \(known: \{station\}\)/);
    const o = opts('citrineos');
    expect(() => buildRequest(o, routeFor(o.preset, {}, 'FancyNewAction')!, vars('FancyNewAction', {}))).toThrow(/names no module for FancyNewAction .*routes\.FancyNewAction/);
  });

  it('a preset file with a mistake is an error naming the file and field; an unknown id lists the shipped ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-preset-'));
    try {
      writeFileSync(join(dir, 'mine.yaml'), 'name: mine\nanswer: maybe\nroutes: { Reset: { method: FETCH, path: /r } }\n');
      expect(() => loadRestPreset('mine.yaml', dir)).toThrow(/mine\.yaml: answer: .*\n.*mine\.yaml: routes\.Reset\.method/);
      expect(() => loadRestPreset('nope', dir)).toThrow(/REST preset nope: no such file .*shipped presets: octt, citrineos/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('success:false anywhere at the top of the body (or in an element of a top-level array) is a refusal', () => {
    expect(unsuccessful([{ success: true, payload: 'r1' }, { success: false, payload: 'offline' }])).toEqual({ success: false, payload: 'offline' });
    expect(unsuccessful({ success: false })).toEqual({ success: false });
    expect(unsuccessful([{ success: true }])).toBeUndefined();
    expect(unsuccessful({ status: 'Accepted' })).toBeUndefined();
  });
});

describe('idToken types and transaction ids', () => {
  it('a token gets the type its format fits, and the spec\'s formats are checked', () => {
    expect(['04A1B2C3', '04A1B2C3D4E5F6', '04A1B2C3D4E5F6A7B8C9', 'E0040150A1B2C3D4', 'NL-TNM-C00122045-K', 'TAG-0001', '1234'].map(inferIdTokenType))
      .toEqual(['ISO14443', 'ISO14443', 'ISO14443', 'ISO15693', 'eMAID', 'Local', 'Local']);
    expect(idTokenProblem('TAG-0001', 'ISO14443')).toBe('TAG-0001 is not an ISO14443 UID (8, 14 or 20 hex digits)');
    expect(idTokenProblem('04A1B2C3', 'ISO14443')).toBeUndefined();
    expect(idTokenProblem('AA:BB:CC:DD:EE:FF', 'MacAddress')).toBeUndefined();
  });

  it('a rig token typed with a type its value is invalid for is a config error naming the token', () => {
    const bad = StationConfigSchema.safeParse({ identity: 'X1', ocppVersion: '2.0.1', idTokens: { 'TAG-0001': 'ISO14443', '04A1B2C3': 'ISO14443' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['idTokens.TAG-0001', 'TAG-0001 is not an ISO14443 UID (8, 14 or 20 hex digits): a CSMS would refuse it as ISO14443'],
    ]);
  });

  it('transaction ids carry the run tag and stay within 36 characters', () => {
    expect(transactionIdFor('CB201-01', 'mih3k2x1', 1, 1)).toBe('CB201-01-mih3k2x1-1-1');
    expect(transactionIdFor('CB201-01', undefined, 1, 1)).toBe('CB201-01-1-1');
    const long = transactionIdFor('A-VERY-LONG-STATION-IDENTITY-OF-48-CHARACTERS-XY', 'mih3k2x1', 12, 345);
    expect(long.length).toBe(36);
    expect(long.endsWith('-XY-mih3k2x1-12-345')).toBe(true);
  });
});
