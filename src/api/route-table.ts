/**
 * Every API route is declared here as data: method, path, zod schemas for params, query, body and
 * response, and a handler. Mounting validates the request with those schemas, and /openapi.json is
 * generated from the same table, so a route without a schema cannot be written.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { ApiError, toApiError, validationError } from './http-errors.js';

export type Method = 'get' | 'post';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface RouteDef<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Express path: `/api/stations/:id/plug`. */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodType<P> | undefined;
  query?: z.ZodType<Q> | undefined;
  /** Every POST route has a body schema (an empty object when it takes none). */
  body?: z.ZodType<B> | undefined;
  /** Schema of a 200 answer. */
  response: z.ZodType;
  /** `text`: the answer is text/plain (a JSONL trace), else JSON. */
  responseType?: 'json' | 'text-jsonl' | undefined;
  handler(input: RouteInput<P, Q, B>): Promise<unknown> | unknown;
}

/** Declare a route, typed by its schemas. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const res = schema.safeParse(value ?? {});
  if (!res.success) throw validationError(where, res.error);
  return res.data;
}

/** Register the table's routes on the app; each handler's result is sent as JSON (or JSONL text). */
export function mountRoutes(app: Express, routes: readonly RouteDef[]): void {
  for (const r of routes) {
    if (r.method === 'post' && !r.body) throw new Error(`route POST ${r.path} has no body schema`);
    app[r.method](r.path, async (req: Request, res: Response) => {
      try {
        if (r.method === 'post' && !req.is('application/json')) {
          throw new ApiError(415, 'E_BAD_REQUEST', 'body: send JSON with content-type: application/json', 'body');
        }
        const input = {
          params: parse(r.params, req.params, 'params'),
          query: parse(r.query, req.query, 'query'),
          body: parse(r.body, req.body, 'body'),
        };
        const out = await r.handler(input);
        if (r.responseType === 'text-jsonl') res.type('application/x-ndjson').send(out as string);
        else res.json(out);
      } catch (err) {
        const e = toApiError(err);
        res.status(e.status).json(e.json());
      }
    });
  }
}

/** Express error handler for what happens before a route runs (a body that is not JSON, too large). */
export function jsonErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  const e = toApiError(err);
  res.status(e.status).json(e.json());
}
