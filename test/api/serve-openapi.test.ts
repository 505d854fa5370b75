import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiPath } from '../../src/api/openapi.js';
import { mountRoutes, route } from '../../src/api/route-table.js';
import { FAULTS } from '../../src/api/schemas.js';
import { PlanSchema } from '../../src/plan/plan-schema.js';
import { TWO_STATIONS, serveRig, type Served } from './served-rig.js';

let s: Served;
beforeAll(async () => { s = await serveRig(TWO_STATIONS); });
afterAll(async () => { await s?.close(); });

/** Every route express serves, as "get /api/x/{id}" (the router's own table, not ours). */
function expressRoutes(app: express.Express): string[] {
  const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
  return stack.filter((l) => l.route).flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m} ${openApiPath(l.route!.path)}`));
}

describe('/openapi.json, generated from the routes\' zod schemas', () => {
  it('documents every route express serves under /api, with its parameters, body and answer schemas', async () => {
    const doc: any = await (await fetch(`${s.url}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.0.3');
    const served = expressRoutes(s.api.app).filter((r) => r.split(' ')[1]!.startsWith('/api/'));
    expect(served.length).toBeGreaterThanOrEqual(19);
    const problems: string[] = [];
    for (const r of served) {
      const [method, path] = r.split(' ') as [string, string];
      const op = doc.paths[path]?.[method];
      if (!op) { problems.push(`${r}: not in /openapi.json`); continue; }
      const ok = op.responses?.['200']?.content;
      const schema = ok && (Object.values(ok)[0] as { schema?: Record<string, unknown> }).schema;
      if (!schema || Object.keys(schema).length === 0) problems.push(`${r}: no response schema`);
      if (method === 'post' && !op.requestBody?.content?.['application/json']?.schema) problems.push(`${r}: no request body schema`);
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        if (!op.parameters?.some((p: any) => p.in === 'path' && `{${p.name}}` === name && p.schema)) problems.push(`${r}: path parameter ${name} has no schema`);
      }
    }
    expect(problems).toEqual([]);
    // a body schema carries the field rules the route validates with
    const start = doc.paths['/api/stations/{id}/start'].post.requestBody.content['application/json'].schema;
    expect(start.required).toEqual(['idTag']);
    expect(start.properties.connector).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
    expect(start.additionalProperties).toBe(false);
    expect(doc.paths['/api/runs/{id}/trace'].get.parameters.map((p: any) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:plan']);
  });

  it('cannot mount a POST route without a body schema', () => {
    const app = express();
    expect(() => mountRoutes(app, [route({ method: 'post', path: '/api/x', tag: 't', summary: 's', response: z.object({}), handler: () => ({}) })]))
      .toThrow('route POST /api/x has no body schema');
  });

  it('offers exactly the faults the plan language has', () => {
    const js = z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
    const found: string[][] = [];
    const walk = (n: unknown): void => {
      if (!n || typeof n !== 'object') return;
      const o = n as Record<string, any>;
      if (o.properties?.kind?.const === 'inject' && o.properties?.fault?.enum) found.push(o.properties.fault.enum);
      for (const v of Object.values(o)) walk(v);
    };
    walk(js);
    expect(found.length).toBeGreaterThan(0);
    expect([...FAULTS].sort()).toEqual([...found[0]!].sort());
  });
});
