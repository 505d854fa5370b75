/**
 * Access to the API. Without a token (the default, bound to loopback) every local client may call
 * it; with one, every request and the WebSocket must carry it: `Authorization: Bearer <token>`, a
 * `token` query parameter (the dashboard's first page load), or the HttpOnly cookie that page load
 * sets. Compared in constant time. Cross-site requests are refused: a browser page of another
 * origin cannot drive the rig (no CORS headers, and an Origin that is not this server is a 403).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'chargebench_token';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Equal in constant time (both sides hashed to the same length first). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/** Is this a loopback address (127.0.0.0/8, ::1, localhost)? */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** The token a request carries, and how. */
export function tokenOf(req: IncomingMessage): { token: string | undefined; via: 'header' | 'query' | 'cookie' | 'none' } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'header' };
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  if (q !== null) return { token: q, via: 'query' };
  const c = cookie(req, TOKEN_COOKIE);
  if (c !== undefined) return { token: c, via: 'cookie' };
  return { token: undefined, via: 'none' };
}

/** Undefined when the request may proceed, else why not (401). */
export function authProblem(req: IncomingMessage, expected: string | undefined): string | undefined {
  if (expected === undefined) return undefined;
  const { token, via } = tokenOf(req);
  if (via === 'none') return 'this server needs a token: send "Authorization: Bearer <token>" (or ?token= when opening the dashboard)';
  return tokenMatches(token, expected) ? undefined : `the token (from the ${via}) is wrong`;
}

/**
 * Without a token the server answers only requests addressed to a loopback name: a web page that
 * re-points its own host name at 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused.
 */
export function hostProblem(req: IncomingMessage, token: string | undefined): string | undefined {
  if (token !== undefined) return undefined;
  const host = req.headers.host ?? '';
  let name: string;
  try {
    name = new URL(`http://${host}`).hostname;
  } catch {
    return `Host ${JSON.stringify(host)} is not a host name`;
  }
  return isLoopback(name) ? undefined : `Host ${JSON.stringify(host)} refused: without a token this server answers only loopback names (127.0.0.1, localhost, [::1])`;
}

/** Undefined when the request comes from no browser page or from this server's own page, else why not (403). */
export function originProblem(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null' && req.method === 'GET') return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `Origin ${JSON.stringify(origin)} is not a URL`;
  }
  return host === req.headers.host ? undefined : `cross-origin request from ${origin} refused (this API sends no CORS headers)`;
}
