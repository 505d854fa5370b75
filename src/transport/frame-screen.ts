/**
 * Checks every incoming OCPP-J frame before ocpp-rpc parses it, so that nothing a peer sends can
 * take the process down or be handled as something it is not. Pure: bytes in, a verdict out.
 *
 * What is refused, and the answer (codes in 2.0.1 spelling; the link spells them per version):
 * - an empty frame: recorded, no answer (ocpp-rpc ignores it too);
 * - a binary frame: OCPP-J messages are JSON text frames; RpcFrameworkError (1.6: GenericError);
 * - a frame over `maxFrameBytes`: FormatViolation (1.6: FormationViolation), as 2.0.1 answers a
 *   message over its BytesPerMessage limit. Beyond `transportCapBytes()` the WebSocket itself
 *   closes with 1009 (Message Too Big) without buffering the frame;
 * - JSON nested deeper than `maxJsonDepth`: FormatViolation;
 * - a message id longer than 36 characters (OCPP-J's limit): RpcFrameworkError with id "-1".
 * Answers go only to what looks like a CALL (or an unreadable frame); a CALLRESULT or CALLERROR is
 * never answered, as OCPP-J says.
 */

export interface FrameLimits {
  /** Largest frame handled (bytes); larger ones get a CALLERROR. */
  maxFrameBytes: number;
  /** Deepest JSON nesting accepted (the frame's own array counts as 1). */
  maxJsonDepth: number;
}

/** 1 MiB: ample for OCPP messages (a 10,000-entry local list is about 0.5 MB). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** OCPP's deepest payloads nest about 12 levels. */
export const DEFAULT_MAX_JSON_DEPTH = 64;
export const DEFAULT_FRAME_LIMITS: Readonly<FrameLimits> = { maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, maxJsonDepth: DEFAULT_MAX_JSON_DEPTH };
/** OCPP-J: a message id is at most 36 characters (a UUID). */
export const MAX_MESSAGE_ID_LENGTH = 36;
/** Characters of a refused frame kept in the trace. */
export const REFUSED_FRAME_PREVIEW = 120;

/** Frames above this are cut at the WebSocket layer (close 1009) without being read into memory. */
export function transportCapBytes(limits: FrameLimits): number {
  return limits.maxFrameBytes * 4;
}

export type CallErrorFrame = [4, string, string, string, Record<string, unknown>];

export type ScreenVerdict =
  | { ok: true }
  | { ok: false; problem: string; preview: string; reply?: CallErrorFrame };

export interface FrameHead {
  /** The message type number, when the frame starts like `[<digits>,`. */
  type?: number;
  /** The message id, when it could be read. */
  id?: string;
  /** Characters of the message id (also when it was too long to keep). */
  idLength?: number;
  /** The id did not end within the first 4096 characters. */
  idUnterminated?: boolean;
}

const HEAD_WINDOW = 4096;

/** Read `[type, "id"` from the start of a frame without parsing the rest. */
export function readHead(text: string): FrameHead {
  const s = text.length > HEAD_WINDOW ? text.slice(0, HEAD_WINDOW) : text;
  let i = skipWs(s, 0);
  if (s[i] !== '[') return {};
  i = skipWs(s, i + 1);
  const digitsStart = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === digitsStart || i - digitsStart > 6) return {};
  const head: FrameHead = { type: Number(s.slice(digitsStart, i)) };
  i = skipWs(s, i);
  if (s[i] !== ',') return head;
  i = skipWs(s, i + 1);
  if (s[i] !== '"') return head;
  const start = i;
  i++;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  if (i >= s.length) {
    // the id runs past the window: far longer than 36 characters
    if (s.length === HEAD_WINDOW) Object.assign(head, { idLength: s.length - start, idUnterminated: true });
    return head;
  }
  try {
    const id = JSON.parse(s.slice(start, i + 1)) as string;
    head.idLength = id.length;
    if (id.length <= MAX_MESSAGE_ID_LENGTH) head.id = id;
  } catch {
    // not a valid JSON string: ocpp-rpc will say so
  }
  return head;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

/** True when `text` nests arrays/objects deeper than `max` (strings are skipped). Linear, stops early. */
export function deeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return false;
}

function answerable(head: FrameHead): boolean {
  return head.type !== 3 && head.type !== 4;
}

function refuse(problem: string, preview: string, head: FrameHead, code: string, description: string, id = head.id ?? '-1'): ScreenVerdict {
  return answerable(head)
    ? { ok: false, problem, preview, reply: [4, id, code, description, {}] }
    : { ok: false, problem, preview };
}

/** Decide whether one incoming frame may go on to ocpp-rpc. */
export function screenFrame(data: Buffer, isBinary: boolean, limits: FrameLimits): ScreenVerdict {
  if (data.length === 0) return { ok: false, problem: `empty ${isBinary ? 'binary' : 'text'} frame`, preview: '' };
  const oversize = data.length > limits.maxFrameBytes;
  const text = (oversize ? data.subarray(0, HEAD_WINDOW) : data).toString('utf8');
  const preview = text.slice(0, REFUSED_FRAME_PREVIEW);
  const head = readHead(text);
  if (isBinary) {
    return refuse(`binary frame of ${data.length} bytes (OCPP-J uses text frames)`, preview, head,
      'RpcFrameworkError', 'Binary frames are not OCPP-J messages: send JSON in text frames');
  }
  if (oversize) {
    return refuse(`frame of ${data.length} bytes exceeds the limit of ${limits.maxFrameBytes} bytes`, preview, head,
      'FormatViolation', `Message of ${data.length} bytes exceeds the limit of ${limits.maxFrameBytes} bytes`);
  }
  if (deeperThan(text, limits.maxJsonDepth)) {
    return refuse(`JSON nested deeper than ${limits.maxJsonDepth} levels`, preview, head,
      'FormatViolation', `JSON nested deeper than ${limits.maxJsonDepth} levels`);
  }
  if (head.idLength !== undefined && head.idLength > MAX_MESSAGE_ID_LENGTH) {
    return refuse(`message id of ${head.idUnterminated ? `over ${head.idLength}` : head.idLength} characters (OCPP-J allows ${MAX_MESSAGE_ID_LENGTH})`, preview, head,
      'RpcFrameworkError', `Message id longer than ${MAX_MESSAGE_ID_LENGTH} characters`, '-1');
  }
  return { ok: true };
}
