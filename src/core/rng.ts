/**
 * Seeded pseudo-random numbers with independent named streams. Every consumer asks for its own
 * stream by name ("evse:CP001:backoff"), so adding a consumer never shifts another's sequence.
 * Algorithm: sfc32 seeded from a cyc53 string hash of (seed, name).
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string, name = '') {
    const h = hash53(`${seed}\u0000${name}`);
    this.a = h >>> 0;
    this.b = Math.floor(h / 2 ** 32) >>> 0;
    this.c = hash53(`${name}\u0001${seed}`) >>> 0;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform float in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /**
   * An independent child stream named `name`, seeded from this stream's current state without
   * advancing it (adding a child never shifts the parent's sequence).
   */
  fork(name: string): Rng {
    return new Rng(`${this.a}.${this.b}.${this.c}.${this.d}`, name);
  }

  /** A random v4-shaped UUID from this stream (deterministic for the seed). */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.nextUint32().toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** Factory of named streams for one seed. */
export class RngFactory {
  constructor(readonly seed: number | string) {}

  stream(name: string): Rng {
    return new Rng(this.seed, name);
  }
}

function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
