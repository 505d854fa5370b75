/** The control API's routes (see route-table.ts): devices, actions, CSMS operations, site, runs. */
import { z } from 'zod';
import type { LiveControl } from './live-control.js';
import { type RouteDef, route } from './route-table.js';
import type { RunManager } from './runs.js';
import {
  AuthorizeBody, ConnectorBody, CsmsSendBody, CsmsSendResponse, Device, DevicesResponse, DrBody, EmptyBody, IdentityParams, InjectBody,
  LoadBody, OkResponse, OutcomeResponse, ReportResponse, RunBody, RunIdParams, RunSummary, RunsResponse, SiteResponse, StartBody,
  StopBody, TraceQuery, TraceResponse,
} from './schemas.js';

export function apiRoutes(live: LiveControl, runs: RunManager, stats: () => unknown): RouteDef[] {
  const station = (id: string, field?: string): string => live.station(id, field).identity;
  return [
    route({
      method: 'get', path: '/api/devices', tag: 'devices', summary: 'Every station with its state, the meters and the CSMS',
      response: DevicesResponse,
      handler: () => ({
        devices: live.devices(),
        meters: live.rt.meters.map((m) => ({ id: m.id, kind: m.kind, endpoints: m.endpoints })),
        ...(live.rt.csms ? { csms: { url: live.rt.csms.url, siteLimitW: live.rt.csms.siteLimitW } } : {}),
      }),
    }),
    route({
      method: 'get', path: '/api/stations/:id', tag: 'devices', summary: 'One station and its state',
      params: IdentityParams, response: Device,
      handler: ({ params }) => live.device(params.id),
    }),
    route({
      method: 'post', path: '/api/stations/:id/plug', tag: 'actions', summary: 'Plug an EV in (pilot A -> B)',
      params: IdentityParams, body: ConnectorBody, response: OutcomeResponse,
      handler: ({ params, body }) => live.step({ kind: 'plug', evse: station(params.id), connector: body.connector }),
    }),
    route({
      method: 'post', path: '/api/stations/:id/unplug', tag: 'actions', summary: 'Unplug the EV (pilot -> A)',
      params: IdentityParams, body: ConnectorBody, response: OutcomeResponse,
      handler: ({ params, body }) => live.step({ kind: 'unplug', evse: station(params.id), connector: body.connector }),
    }),
    route({
      method: 'post', path: '/api/stations/:id/authorize', tag: 'actions', summary: 'Present a token at the station',
      params: IdentityParams, body: AuthorizeBody, response: OutcomeResponse,
      handler: ({ params, body }) => live.step({ kind: 'authorize', evse: station(params.id), ...body }),
    }),
    route({
      method: 'post', path: '/api/stations/:id/start', tag: 'actions', summary: 'Start a session (local swipe, or remote through the CSMS); waits for the transaction',
      params: IdentityParams, body: StartBody, response: OutcomeResponse,
      handler: ({ params, body }) => live.step({ kind: 'start', evse: station(params.id), ...body }),
    }),
    route({
      method: 'post', path: '/api/stations/:id/stop', tag: 'actions', summary: 'Stop the session (locally, or remote through the CSMS); waits for the end',
      params: IdentityParams, body: StopBody, response: OutcomeResponse,
      handler: ({ params, body }) => live.step({ kind: 'stop', evse: station(params.id), ...body }),
    }),
    route({
      method: 'post', path: '/api/inject', tag: 'actions', summary: 'Inject a fault, as a plan\'s inject step',
      body: InjectBody, response: OutcomeResponse,
      handler: ({ body }) => live.step({ kind: 'inject', ...body }),
    }),
    route({
      method: 'post', path: '/api/csms/send', tag: 'csms', summary: 'Send any operation from the built-in CSMS and return the answer',
      body: CsmsSendBody, response: CsmsSendResponse,
      handler: ({ body }) => live.csmsSend(station(body.station, 'body.station'), body.action, body.payload, body.timeoutMs),
    }),
    route({
      method: 'post', path: '/api/dr', tag: 'site', summary: 'Raise a demand-response event (a new site limit) or clear it (restore)',
      body: DrBody, response: OutcomeResponse,
      handler: ({ body }) => live.step({ kind: 'dr', ...body }),
    }),
    route({
      method: 'post', path: '/api/site/load', tag: 'site', summary: 'Set the building base load',
      body: LoadBody, response: OkResponse,
      handler: ({ body }) => {
        live.setBaseLoad(body.kw);
        return { ok: true as const };
      },
    }),
    route({
      method: 'get', path: '/api/site', tag: 'site', summary: 'Site power, limit and meter readings now',
      response: SiteResponse,
      handler: () => live.site(),
    }),
    route({
      method: 'post', path: '/api/runs', tag: 'runs', summary: 'Start a plan run on a fresh instance of the rig',
      body: RunBody, response: RunSummary,
      handler: ({ body }) => runs.start(body),
    }),
    route({
      method: 'get', path: '/api/runs', tag: 'runs', summary: 'Every run of this server',
      response: RunsResponse,
      handler: () => ({ runs: runs.list() }),
    }),
    route({
      method: 'get', path: '/api/runs/:id', tag: 'runs', summary: 'A run\'s status and its steps so far',
      params: RunIdParams, response: RunSummary,
      handler: ({ params }) => runs.show(params.id),
    }),
    route({
      method: 'post', path: '/api/runs/:id/cancel', tag: 'runs', summary: 'Interrupt a running run (its teardown still runs)',
      params: RunIdParams, body: EmptyBody, response: RunSummary,
      handler: ({ params }) => runs.cancel(params.id),
    }),
    route({
      method: 'get', path: '/api/runs/:id/report', tag: 'runs', summary: 'A finished run\'s report.json',
      params: RunIdParams, response: ReportResponse,
      handler: ({ params }) => runs.report(params.id),
    }),
    route({
      method: 'get', path: '/api/runs/:id/trace', tag: 'runs', summary: 'The JSONL trace of one plan of a finished run',
      params: RunIdParams, query: TraceQuery, response: TraceResponse, responseType: 'text-jsonl',
      handler: ({ params, query }) => runs.trace(params.id, query.plan),
    }),
    route({
      method: 'get', path: '/api/stream/stats', tag: 'events', summary: 'Counters of the live event stream',
      response: z.object({ clients: z.number(), events: z.number(), delivered: z.number(), dropped: z.number() }),
      handler: () => stats(),
    }),
  ];
}
