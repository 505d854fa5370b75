/**
 * HTTP(S) side of the station's file transfers (node:http / node:https): GET an image, PUT a log file.
 * One request per call; the caller owns retries and the overall time limit (through its Clock and the
 * abort signal). Redirects are followed (at most MAX_REDIRECTS), bodies are capped at `maxBytes`.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ERROR_CODES, HarnessError } from '../../../src/core/errors.js';
import { type AttemptOptions, safeUrl } from './transfer-types.js';

export const MAX_REDIRECTS = 5;

function failed(url: URL, message: string, cause?: unknown): HarnessError {
  return new HarnessError(ERROR_CODES.TRANSFER_FAILED, `${safeUrl(url)}: ${message}`, { url: safeUrl(url) }, { cause });
}

function send(url: URL, method: 'GET' | 'PUT', body: Buffer | undefined, o: AttemptOptions): Promise<IncomingMessage> {
  const opts: RequestOptions = {
    method,
    signal: o.signal,
    timeout: o.idleTimeoutMs,
    headers: body ? { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length) } : {},
  };
  if (url.username || url.password) opts.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, secure && o.ca ? { ...opts, ca: o.ca } : opts, resolve);
    req.on('timeout', () => req.destroy(failed(url, `no data for ${o.idleTimeoutMs} ms`)));
    req.on('error', (err) => reject(o.signal.aborted ? o.signal.reason : err instanceof HarnessError ? err : failed(url, err.message, err)));
    req.end(body);
  });
}

/** Read a response body, failing once it passes `maxBytes`. */
function readBody(url: URL, res: IncomingMessage, o: AttemptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > o.maxBytes) {
        res.destroy(failed(url, `more than ${o.maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (err) => reject(o.signal.aborted ? o.signal.reason : err instanceof HarnessError ? err : failed(url, err.message, err)));
    res.on('aborted', () => reject(failed(url, 'connection closed before the end of the body')));
  });
}

/** GET `url` and return the body (2xx only; redirects followed). */
export async function httpDownload(url: URL, o: AttemptOptions): Promise<Buffer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const res = await send(target, 'GET', undefined, o);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && hop < MAX_REDIRECTS) {
      res.resume();
      target = new URL(res.headers.location, target);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw failed(target, `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBytes) {
      res.destroy();
      throw failed(target, `image of ${declared} bytes is larger than ${o.maxBytes}`);
    }
    return readBody(target, res, o);
  }
}

/** PUT `body` to `url` (2xx only). */
export async function httpUpload(url: URL, body: Buffer, o: AttemptOptions): Promise<void> {
  const res = await send(url, 'PUT', body, o);
  const status = res.statusCode ?? 0;
  res.resume();
  if (status < 200 || status >= 300) throw failed(url, `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
}
