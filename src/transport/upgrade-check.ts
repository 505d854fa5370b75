/**
 * Checks a WebSocket upgrade request before ocpp-rpc sees it: ocpp-rpc decodes the identity and
 * parses the URL outside its own error handling, so a malformed percent-escape would throw out of
 * the HTTP server's 'upgrade' listener. Pure: request line and headers in, a verdict out.
 */
import type { Duplex } from 'node:stream';

/** OCPP-J 2.0.1 part 4: a Charging Station identity is at most 48 characters. */
export const MAX_IDENTITY_LENGTH = 48;

export type UpgradeVerdict =
  | { ok: true; identity: string; endpoint: string }
  | { ok: false; status: 400; reason: string; rawIdentity: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Validate the request target and the Sec-WebSocket-Protocol header of an upgrade. */
export function checkUpgrade(url: string | undefined, subprotocolHeader: string | string[] | undefined): UpgradeVerdict {
  const target = url ?? '/';
  const rawIdentity = target.split('?')[0]!.split('/').pop()!.slice(0, 64);
  const bad = (reason: string): UpgradeVerdict => ({ ok: false, status: 400, reason, rawIdentity });
  let pathname: string;
  try {
    pathname = new URL('http://localhost' + target).pathname;
  } catch {
    return bad('malformed request target');
  }
  const parts = pathname.split('/');
  const last = parts.pop() ?? '';
  let identity: string;
  try {
    identity = decodeURIComponent(last);
  } catch {
    return bad(`identity "${last.slice(0, 64)}" is not valid percent-encoding`);
  }
  if (identity.length === 0) return bad('empty identity (expected <path>/<identity>)');
  if (identity.length > MAX_IDENTITY_LENGTH) return bad(`identity of ${identity.length} characters (OCPP-J allows ${MAX_IDENTITY_LENGTH})`);
  if (CONTROL.test(identity)) return bad('identity contains control characters');
  if (subprotocolHeader !== undefined) {
    const header = Array.isArray(subprotocolHeader) ? subprotocolHeader.join(',') : subprotocolHeader;
    const offered = header.split(',').map((p) => p.trim());
    if (offered.some((p) => !TOKEN.test(p))) return bad(`malformed Sec-WebSocket-Protocol header "${header.slice(0, 80)}"`);
    if (new Set(offered).size !== offered.length) return bad(`Sec-WebSocket-Protocol header names a subprotocol twice: "${header.slice(0, 80)}"`);
  }
  return { ok: true, identity, endpoint: parts.join('/') || '/' };
}

/** Answer an upgrade with an HTTP error and close the socket (the request never becomes a WebSocket). */
export function refuseUpgrade(socket: Duplex, status: number, statusText: string, body: string): void {
  socket.on('error', () => undefined);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = body.replace(/[\r\n]+/g, ' ');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}
