import type { EventEmitter } from 'node:events';

export type OcppVersion = 'ocpp1.6' | 'ocpp2.0.1';
export const OCPP_VERSIONS: readonly OcppVersion[] = ['ocpp1.6', 'ocpp2.0.1'];

/** Security profiles of the OCPP security whitepaper / 2.0.1 part 2 A.00. */
export type SecurityProfile = 0 | 1 | 2 | 3;

export type Payload = Record<string, unknown>;

export interface HandlerContext {
  action: string;
  params: Payload;
  messageId: string;
}

export type CallHandler = (ctx: HandlerContext) => Promise<Payload> | Payload;

/** The slice of ocpp-rpc's RPCClient / RPCServerClient that the link uses. */
export interface RpcPeer extends EventEmitter {
  readonly identity: string | undefined;
  readonly protocol: string | undefined;
  call(method: string, params: unknown, options?: { callTimeoutMs?: number; signal?: AbortSignal }): Promise<unknown>;
  handle(method: string, handler: (opts: { params: unknown; method: string; messageId: string }) => unknown): void;
  handle(handler: (opts: { params: unknown; method: string; messageId: string }) => unknown): void;
  close(options?: { code?: number; reason?: string; awaitPending?: boolean; force?: boolean }): Promise<unknown>;
  sendRaw(message: string): void;
}
