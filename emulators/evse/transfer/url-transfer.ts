/**
 * A station's file transfers: download an image from / upload a file to an http(s):// or ftp(s)://
 * location, with the request's retries and retry interval, each attempt limited in time on the
 * station's Clock.
 *
 * Time. An attempt is real I/O over real sockets. It is counted as work in flight
 * (`beginWork`), so a VirtualClock does not advance while it runs: on virtual time a transfer takes
 * no time at all, and its outcome lands at a virtual instant that depends only on the seed. The
 * attempt's time limit is a Clock timer, which is what bounds it on a RealClock; on a VirtualClock
 * that timer cannot fire while the attempt holds the clock, so a peer that accepts the connection and
 * then goes silent is cut by the socket's idle timeout instead (real time, VIRTUAL_IDLE_LIMIT_MS,
 * below the quiescence watchdog's 10 s), and the attempt fails like any other. A transfer that keeps
 * moving bytes for longer than the watchdog allows on a virtual run is reported by the watchdog.
 * The retry interval is a Clock sleep (not work in flight): virtual time passes normally between
 * attempts.
 */
import type { Clock } from '../../../src/core/clock.js';
import { ERROR_CODES, HarnessError } from '../../../src/core/errors.js';
import { ftpDownload, ftpUpload } from './ftp-transfer.js';
import { httpDownload, httpUpload } from './http-transfer.js';
import { type AttemptOptions, safeUrl } from './transfer-types.js';

/** Socket idle limit of an attempt on a VirtualClock (real ms). */
export const VIRTUAL_IDLE_LIMIT_MS = 5000;
/** Largest firmware image accepted (bytes). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Retries and interval when the request leaves them to the station. */
export const DEFAULT_RETRIES = 1;
export const DEFAULT_RETRY_INTERVAL_S = 30;

export const SCHEMES = ['http:', 'https:', 'ftp:', 'ftps:'] as const;

const isFtp = (url: URL): boolean => url.protocol === 'ftp:' || url.protocol === 'ftps:';

/** What a transfer needs from its station. */
export interface TransferHost {
  clock: Clock;
  /** Mark work in flight (VirtualClock quiescence); call the result once when done. */
  beginWork(label: string): () => void;
  /** Record an event in the trace. */
  note(event: string, data: unknown): void;
  /** Time limit of one attempt (ms). */
  timeoutMs: number;
  /** Extra CA (PEM) for https:// and ftps://. */
  ca?: string | undefined;
}

/** Retries after the first attempt (so 1 + retries attempts in all), and the wait between two (s). */
export interface RetryPlan {
  retries: number;
  retryIntervalS: number;
}

/** The request's retries / retryInterval, with the station's defaults where absent or invalid. */
export function retryPlan(retries: unknown, retryIntervalS: unknown): RetryPlan {
  const int = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback);
  return { retries: Math.min(int(retries, DEFAULT_RETRIES), 100), retryIntervalS: int(retryIntervalS, DEFAULT_RETRY_INTERVAL_S) };
}

/** Parse a transfer location; a clear error for what cannot be fetched at all. */
export function parseLocation(location: string): URL {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new HarnessError(ERROR_CODES.TRANSFER_FAILED, `location "${location.slice(0, 100)}" is not a URL`, { location });
  }
  if (!(SCHEMES as readonly string[]).includes(url.protocol)) {
    throw new HarnessError(ERROR_CODES.TRANSFER_FAILED, `${safeUrl(url)}: unsupported protocol ${url.protocol} (supported: http, https, ftp, ftps)`, { location: safeUrl(url) });
  }
  return url;
}

/**
 * Where a file named `fileName` goes when uploaded to `location`: OCPP calls the location a directory,
 * so the file name is appended as a last path segment; an http(s) URL with a query string (a pre-signed
 * upload URL) is taken as the file's own URL and used as it is.
 */
export function uploadTarget(location: URL, fileName: string): URL {
  if (location.search && !isFtp(location)) return location;
  const dir = new URL(location.href);
  if (!dir.pathname.endsWith('/')) dir.pathname += '/';
  dir.search = '';
  dir.hash = '';
  return new URL(encodeURIComponent(fileName), dir);
}

/** One attempt: time limit on the Clock, counted as work in flight, cancellable. */
async function attempt<T>(host: TransferHost, label: string, cancel: AbortSignal | undefined, maxBytes: number, run: (o: AttemptOptions) => Promise<T>): Promise<T> {
  if (cancel?.aborted) throw cancel.reason;
  const ac = new AbortController();
  const onCancel = (): void => ac.abort(cancel?.reason);
  cancel?.addEventListener('abort', onCancel, { once: true });
  const limit = host.clock.setTimer(host.timeoutMs, () => {
    ac.abort(new HarnessError(ERROR_CODES.TRANSFER_FAILED, `${label}: not done within ${host.timeoutMs} ms`, { timeoutMs: host.timeoutMs }));
  }, `transfer limit: ${label}`);
  const done = host.beginWork(label);
  try {
    return await run({
      signal: ac.signal, maxBytes, ca: host.ca,
      // on a RealClock the Clock timer is the limit; the socket's idle timeout only backs it up
      idleTimeoutMs: host.clock.isVirtual ? Math.min(host.timeoutMs, VIRTUAL_IDLE_LIMIT_MS) : 2 * host.timeoutMs,
    });
  } finally {
    limit.cancel();
    cancel?.removeEventListener('abort', onCancel);
    // one more event-loop turn in flight: what the caller sends about the outcome is on the wire by then
    host.clock.defer(done);
  }
}

/** Run attempts until one succeeds or 1 + retries failed (the last error is thrown). */
async function withRetries<T>(host: TransferHost, what: string, plan: RetryPlan, cancel: AbortSignal | undefined, run: (n: number) => Promise<T>): Promise<T> {
  const attempts = 1 + plan.retries;
  for (let n = 1; ; n++) {
    try {
      const result = await run(n);
      host.note('transfer-attempt', { what, attempt: n, of: attempts, ok: true });
      return result;
    } catch (err) {
      if (cancel?.aborted) throw err;
      host.note('transfer-attempt', { what, attempt: n, of: attempts, ok: false, error: (err as Error).message });
      if (n >= attempts) throw err;
      await host.clock.sleep(plan.retryIntervalS * 1000, cancel);
    }
  }
}

/** Download the file at `location` (retrying per `plan`). */
export async function download(host: TransferHost, location: string, plan: RetryPlan, cancel?: AbortSignal): Promise<Buffer> {
  const url = parseLocation(location);
  const label = `download ${safeUrl(url)}`;
  return withRetries(host, label, plan, cancel, () => attempt(host, label, cancel, MAX_IMAGE_BYTES, (o) => (isFtp(url) ? ftpDownload(url, o) : httpDownload(url, o))));
}

/** Upload `body` as `fileName` into the directory `location` (retrying per `plan`); returns the target URL. */
export async function upload(host: TransferHost, location: string, fileName: string, body: Buffer, plan: RetryPlan, cancel?: AbortSignal): Promise<string> {
  const url = uploadTarget(parseLocation(location), fileName);
  const label = `upload ${safeUrl(url)}`;
  await withRetries(host, label, plan, cancel, () => attempt(host, label, cancel, MAX_IMAGE_BYTES, (o) => (isFtp(url) ? ftpUpload(url, body, o) : httpUpload(url, body, o))));
  return safeUrl(url);
}
