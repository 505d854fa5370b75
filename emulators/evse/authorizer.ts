import { IdTokenTypes } from './id-token.js';
import type { ChargeStation } from './station.js';

/**
 * Identification of a driver: Authorize.req while online and accepted; the local list and the
 * authorization cache otherwise (LocalAuthorizeOffline), like a real charger.
 */
export class Authorizer {
  /** The 2.0.1 idToken type of each token this station presents (rig `idTokens`, then what the CSMS or a plan gave). */
  readonly tokenTypes: IdTokenTypes;

  constructor(private readonly station: ChargeStation) {
    this.tokenTypes = new IdTokenTypes(station.config.idTokens);
  }

  async authorize(idTag: string): Promise<string> {
    const s = this.station;
    const local = this.localStatus(idTag);
    if (local === 'Accepted' && s.setting('LocalPreAuthorize') === 'true') return local;
    if (s.state === 'Accepted' && s.connected) {
      const req = s.dialect.authorize(idTag);
      try {
        const status = s.dialect.parseAuthorize(await s.call(req.action, req.payload));
        if (s.setting('AuthorizationCacheEnabled') !== 'false') s.memory.authCache[idTag] = status;
        s.persist();
        return status;
      } catch (err) {
        s.trace.record({ kind: 'device', device: s.identity, event: 'authorize-failed', data: (err as Error).message });
      }
    }
    if (s.setting('LocalAuthorizeOffline') === 'false') return 'Invalid';
    return local ?? 'Invalid';
  }

  /** Status from the local list, then the cache; undefined when unknown locally. */
  localStatus(idTag: string): string | undefined {
    const s = this.station;
    if (s.setting('LocalAuthListEnabled') !== 'false' && idTag in s.memory.localList.entries) return s.memory.localList.entries[idTag];
    if (s.setting('AuthorizationCacheEnabled') !== 'false' && idTag in s.memory.authCache) return s.memory.authCache[idTag];
    return undefined;
  }

  clearCache(): void {
    this.station.memory.authCache = {};
    this.station.persist();
  }
}
