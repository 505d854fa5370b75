/** OpenAPI 3.0 document generated from the route table's zod schemas (zod 4's own JSON Schema output). */
import { z } from 'zod';
import type { RouteDef } from './route-table.js';
import { ErrorBody } from './schemas.js';

type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

/** `/api/stations/:id/plug` -> `/api/stations/{id}/plug`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parameters(r: RouteDef): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
    if (!schema) continue;
    const js = schemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: prop, ...(prop.description ? { description: prop.description } : {}) });
    }
  }
  return out;
}

/** The API's OpenAPI document. */
export function openApiDocument(routes: readonly RouteDef[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const error = { description: 'Error', content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } } };
  for (const r of routes) {
    const p = (paths[openApiPath(r.path)] ??= {});
    const okContent = r.responseType === 'text-jsonl'
      ? { 'application/x-ndjson': { schema: schemaOf(r.response, 'output') } }
      : { 'application/json': { schema: schemaOf(r.response, 'output') } };
    p[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: parameters(r),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses: { 200: { description: 'OK', content: okContent }, 400: error, 401: error, 404: error, 409: error, 502: error, 504: error },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'chargebench control API', version, description: 'Drive and watch a rig. Live events: WebSocket /api/events (see the README).' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
