/**
 * FTP(S) side of the station's file transfers, on basic-ftp (passive mode): RETR an image, STOR a log
 * file. `ftp://` is plain FTP, `ftps://` implicit TLS; user and password come from the URL (anonymous
 * when absent). One connection per attempt, closed at the end or on abort.
 */
import { Readable, Writable } from 'node:stream';
import { Client } from 'basic-ftp';
import { ERROR_CODES, HarnessError } from '../../../src/core/errors.js';
import { type AttemptOptions, safeUrl } from './transfer-types.js';

function failed(url: URL, message: string, cause?: unknown): HarnessError {
  return new HarnessError(ERROR_CODES.TRANSFER_FAILED, `${safeUrl(url)}: ${message}`, { url: safeUrl(url) }, { cause });
}

/** Path on the server: the URL path, percent-decoded ("/" for none). */
export function ftpPath(url: URL): string {
  return decodeURIComponent(url.pathname) || '/';
}

async function withClient<T>(url: URL, o: AttemptOptions, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(o.idleTimeoutMs);
  const onAbort = (): void => client.close();
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (o.signal.aborted) throw o.signal.reason;
    await client.access({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : url.protocol === 'ftps:' ? 990 : 21,
      user: url.username ? decodeURIComponent(url.username) : 'anonymous',
      password: url.password ? decodeURIComponent(url.password) : 'chargebench@',
      secure: url.protocol === 'ftps:' ? 'implicit' : false,
      ...(o.ca ? { secureOptions: { ca: o.ca } } : {}),
    });
    return await work(client);
  } catch (err) {
    if (o.signal.aborted) throw o.signal.reason;
    if (err instanceof HarnessError) throw err;
    throw failed(url, (err as Error).message, err);
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    client.close();
  }
}

/** RETR the file at the URL's path. */
export function ftpDownload(url: URL, o: AttemptOptions): Promise<Buffer> {
  return withClient(url, o, async (client) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > o.maxBytes) {
          tooLarge = true;
          done(failed(url, `more than ${o.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
        done();
      },
    });
    try {
      await client.downloadTo(sink, ftpPath(url));
    } catch (err) {
      if (tooLarge) throw failed(url, `more than ${o.maxBytes} bytes`);
      throw err;
    }
    return Buffer.concat(chunks);
  });
}

/** STOR `body` at the URL's path. */
export async function ftpUpload(url: URL, body: Buffer, o: AttemptOptions): Promise<void> {
  await withClient(url, o, (client) => client.uploadFrom(Readable.from([body]), ftpPath(url)));
}
