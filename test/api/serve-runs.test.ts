import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TWO_STATIONS, get, openEvents, post, serveRig, type Served } from './served-rig.js';

let s: Served;
beforeAll(async () => { s = await serveRig(TWO_STATIONS); });
afterAll(async () => { await s?.close(); });

const PLAN = `
name: api session
steps:
  - { kind: boot, evse: CB16-01, within: 10s }
  - { kind: start, evse: CB16-01, idTag: TAG-1, within: 5s }
  - { kind: expect, name: charging, state: { evse: CB16-01, status: Charging }, within: 5s }
  - { kind: expect, name: impossible power, power: { evse: CB16-01, op: ">=", kw: 500 }, within: 2s }
  - { kind: stop, evse: CB16-01 }
`;

async function finished(id: string): Promise<any> {
  await s.api.runs.wait(id);
  return (await get(`${s.url}/api/runs/${id}`)).json;
}

describe('plan runs through the API (fresh rig instances, as `chargebench run`)', () => {
  it('runs an inline plan, streams its steps, and serves its report and trace', async () => {
    const ev = await openEvents(s.url, '?kind=step,run');
    try {
      const started = await post(`${s.url}/api/runs`, { planYaml: PLAN, seed: 7 });
      expect(started.status).toBe(200);
      expect(started.json).toMatchObject({ id: 'run-1', status: 'running' });
      const run = await finished('run-1');
      expect(run.status).toBe('failed');
      expect(run.steps.map((st: any) => [st.id, st.status])).toEqual([['1', 'passed'], ['2', 'passed'], ['3', 'passed'], ['4', 'failed'], ['5', 'skipped']]);
      expect(run.steps[3]).toMatchObject({ budgetMs: 2000, message: expect.stringContaining('missed the budget of 2s') });
      await ev.waitFor((e) => e.kind === 'run' && e.run === 'run-1' && e.status === 'failed');
      const ends = ev.events.filter((e) => e.kind === 'step' && e.phase === 'end');
      expect(ends.map((e) => `${e.step.id}:${e.step.status}`)).toEqual(['1:passed', '2:passed', '3:passed', '4:failed']);
      expect(ends[2].step).toMatchObject({ budgetMs: 5000, measuredMs: expect.any(Number) });

      const report = (await get(`${s.url}/api/runs/run-1/report`)).json;
      expect(report).toMatchObject({ status: 'failed', seed: 7, clock: 'virtual', plans: [{ name: 'api session', status: 'failed' }] });
      const trace = await fetch(`${s.url}/api/runs/run-1/trace?plan=0`);
      expect(trace.headers.get('content-type')).toContain('application/x-ndjson');
      const records = (await trace.text()).trim().split('\n').map((l) => JSON.parse(l));
      expect(records.some((r) => r.kind === 'ocpp' && r.raw.includes('"StartTransaction"'))).toBe(true);
      expect((await get(`${s.url}/api/runs/run-1/trace?plan=3`)).json).toMatchObject({ field: 'query.plan' });
      expect((await get(`${s.url}/api/runs`)).json.runs.map((r: any) => r.id)).toEqual(['run-1']);
    } finally {
      ev.close();
    }
    // the live rig was not touched by the run: its station is idle
    expect((await get(`${s.url}/api/stations/CB16-01`)).json.connectors[0].transaction).toBe(false);
  });

  it('reports a plan the harness cannot run as an error, naming the file and field', async () => {
    const started = await post(`${s.url}/api/runs`, { planYaml: 'name: bad\nsteps:\n  - { kind: plug, evse: NOPE }\n' });
    const run = await finished(started.json.id);
    expect(run.status).toBe('error');
    expect(run.error).toMatch(/inline-plan\.yaml.*NOPE/);
    const report = await get(`${s.url}/api/runs/${started.json.id}/report`);
    expect(report.status).toBe(409);
    expect(report.json.error).toContain('wrote no report');
  });

  it('validates the run request', async () => {
    expect((await post(`${s.url}/api/runs`, {})).json).toMatchObject({ field: 'body.plans', error: 'body.plans: give plans (files) or planYaml' });
    expect((await post(`${s.url}/api/runs`, { plans: ['x.yaml'], budgetScale: -1 })).json.field).toBe('body.budgetScale');
  });
});
