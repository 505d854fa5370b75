/** What one transfer attempt (HTTP or FTP) is given by its caller. */
export interface AttemptOptions {
  /** Aborted when the attempt's time limit (on the station's Clock) passes or the transfer is cancelled. */
  signal: AbortSignal;
  /** Real-time limit on a silent socket (see url-transfer.ts on why one exists). */
  idleTimeoutMs: number;
  /** Largest body accepted (download). */
  maxBytes: number;
  /** Extra CA certificates (PEM) trusted for https:// and ftps://, beside the system store. */
  ca?: string | undefined;
}

/** The URL for messages and the trace: credentials replaced by "***". */
export function safeUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = copy.username ? '***' : '';
  copy.password = copy.password ? '***' : '';
  return copy.href;
}
