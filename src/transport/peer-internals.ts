/**
 * What OcppLink reaches inside an ocpp-rpc peer (its WebSocket, raw send and parse), and the
 * marking of binary frames, which ocpp-rpc drops before the link sees the buffer.
 */
/** The ocpp-rpc internals the link hooks into: frames are screened before `_onMessage` parses them. */
export interface PeerInternals {
  _ws?: WsLike | undefined;
  _onMessage(buffer: Buffer): void;
  sendRaw(message: string): void;
}

export interface WsLike {
  on(ev: 'message', f: (data: unknown, isBinary: boolean) => void): unknown;
  once(ev: 'pong' | 'close', f: () => void): unknown;
  off(ev: 'pong' | 'close', f: () => void): unknown;
  ping(): void;
  terminate(): void;
  readyState: number;
}

/**
 * Incoming buffers that arrived in binary frames (ocpp-rpc drops the flag). One weak set for every
 * link: a buffer belongs to one socket, so sharing it changes nothing and costs no set per link.
 */
export const binaryFrames = new WeakSet<object>();

/** A socket's `message` listener (shared by every link): remembers the buffers of binary frames. */
export function markBinary(data: unknown, isBinary: boolean): void {
  if (isBinary && data !== null && typeof data === 'object') binaryFrames.add(data);
}

/** A peer's `connecting` listener (shared): its socket exists now, so watch it for binary frames. */
export function watchOnConnecting(this: PeerInternals): void {
  this._ws?.on('message', markBinary);
}

