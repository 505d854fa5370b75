/**
 * A focused parser for Vector DBC files: messages (BO_, extended ids with bit 31), signals (SG_:
 * byte order, sign, scale, offset, range, unit, receivers, simple and extended multiplexing),
 * value tables (VAL_TABLE_, VAL_), comments (CM_), attributes (BA_DEF_, BA_DEF_DEF_, BA_; cycle
 * time from GenMsgCycleTime), float signals (SIG_VALTYPE_), SG_MUL_VAL_, SIG_GROUP_, BO_TX_BU_.
 * Other sections (NS_, BS_, EV_, ENVVAR_DATA_, relation attributes, ...) are skipped. Files are
 * read as cp1252, as Vector tools write them. A malformed line is a CONFIG_INVALID error "file:line".
 *
 * (npm `candied` was checked first: it parses and decodes but has no encoder, and the converter
 * emulator needs both directions.)
 */
import { readFileSync } from 'node:fs';
import { ERROR_CODES, HarnessError } from '../../core/errors.js';
import type { DbcDatabase, DbcMessage, DbcSignal } from './dbc-types.js';

const SG_RE = /^SG_\s+(\w+)\s*(M|m\d+M?)?\s*:\s*(\d+)\s*\|\s*(\d+)\s*@\s*([01])\s*([+-])\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*\[\s*([^|\]]*?)\s*\|\s*([^\]]*?)\s*\]\s*"((?:[^"\\]|\\.)*)"\s*(.*)$/;
const BO_RE = /^BO_\s+(\d+)\s+(\w+)\s*:\s*(\d+)\s+(\w+)\s*$/;
/** Statements that end with ';' and may span lines. */
const STATEMENTS = ['CM_', 'VAL_TABLE_', 'VAL_', 'BA_DEF_DEF_REL_', 'BA_DEF_DEF_', 'BA_DEF_REL_', 'BA_DEF_SGTYPE_', 'BA_DEF_', 'BA_REL_', 'BA_SGTYPE_', 'BA_',
  'SIG_VALTYPE_', 'SG_MUL_VAL_', 'SIG_GROUP_', 'BO_TX_BU_', 'EV_', 'ENVVAR_DATA_', 'SGTYPE_VAL_', 'SGTYPE_', 'SIG_TYPE_REF_', 'CAT_DEF_', 'CAT_', 'FILTER', 'SIGTYPE_VALTYPE_'];

type Tok = { t: 'str' | 'num' | 'id' | 'sym'; v: string };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w.])|([A-Za-z_][\w]*)|(\S))/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] !== undefined) out.push({ t: 'str', v: m[1].replace(/\\"/g, '"') });
    else if (m[2] !== undefined) out.push({ t: 'num', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'sym', v: m[4] });
    if (re.lastIndex >= text.length) break;
  }
  return out;
}

export function parseDbcFile(path: string): DbcDatabase {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${path}: cannot read the DBC file: ${(err as Error).message}`, { file: path }, { cause: err });
  }
  return parseDbc(new TextDecoder('windows-1252').decode(buf), path);
}

export function parseDbc(text: string, file = '<dbc>'): DbcDatabase {
  const db: DbcDatabase = { file, version: '', nodes: [], messages: [], valueTables: new Map(), attributes: new Map(), attributeDefaults: new Map(), signalGroups: [] };
  const byId = new Map<number, DbcMessage>();
  const lines = text.split(/\r\n|\n|\r/);
  let current: DbcMessage | undefined;
  let inNs = false;
  let independent = false;
  const fail = (line: number, why: string): never => {
    throw new HarnessError(ERROR_CODES.CONFIG_INVALID, `${file}:${line}: ${why}`, { file, line });
  };
  const signalRefs: { msg: number; sig: string; line: number; apply: (s: DbcSignal) => void }[] = [];
  const msgRefs: { msg: number; line: number; apply: (m: DbcMessage) => void }[] = [];

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] as string;
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) continue;
    const kw = /^[A-Za-z_]\w*/.exec(line)?.[0] ?? '';
    if (inNs && /^\s/.test(raw) && /^\w+$/.test(line)) continue; // NS_ keyword list
    inNs = false;
    if (kw === 'VERSION') {
      db.version = /"(.*)"/.exec(line)?.[1] ?? '';
      continue;
    }
    if (kw === 'NS_') { inNs = true; continue; }
    if (kw === 'BS_') continue;
    if (kw === 'BU_') {
      db.nodes = line.replace(/^BU_\s*:?/, '').trim().split(/\s+/).filter(Boolean);
      continue;
    }
    if (kw === 'BO_') {
      const m = BO_RE.exec(line);
      if (!m) fail(lineNo, `malformed BO_ line (expected "BO_ <id> <name>: <dlc> <sender>"): ${line}`);
      const rawId = Number(m?.[1]);
      const extended = rawId >= 0x80000000;
      const id = extended ? rawId - 0x80000000 : rawId;
      if (id > (extended ? 0x1fffffff : 0x7ff)) {
        if (rawId === 0xc0000000) { current = undefined; independent = true; continue; } // VECTOR__INDEPENDENT_SIG_MSG
        fail(lineNo, `message id ${rawId} is not a valid ${extended ? '29' : '11'}-bit CAN id`);
      }
      independent = false;
      current = { id, extended, name: m?.[2] as string, dlc: Number(m?.[3]), senders: [m?.[4] as string], signals: [], line: lineNo };
      if (byId.has(id)) fail(lineNo, `message id ${id} is defined twice`);
      byId.set(id, current);
      db.messages.push(current);
      continue;
    }
    if (kw === 'SG_') {
      if (!current) {
        if (independent) continue; // signals of VECTOR__INDEPENDENT_SIG_MSG
        fail(lineNo, 'SG_ outside a message (no BO_ before it)');
      }
      const m = SG_RE.exec(line);
      if (!m) fail(lineNo, `malformed SG_ line (expected "SG_ name : start|length@order sign (factor,offset) [min|max] \\"unit\\" receivers"): ${line}`);
      (current as DbcMessage).signals.push(signalFrom(m as RegExpExecArray, lineNo, fail));
      continue;
    }
    const stmtKw = STATEMENTS.find((k) => kw === k);
    if (!stmtKw) fail(lineNo, `unknown keyword ${kw ? `"${kw}"` : `at "${line.slice(0, 20)}"`} (not a DBC section this parser knows)`);
    // gather up to the terminating ';' outside quotes
    let stmt = line;
    const keyword = stmtKw as string;
    const startLine = lineNo;
    while (!endsStatement(stmt)) {
      i++;
      if (i >= lines.length) fail(startLine, `${kw} statement is not terminated by ';'`);
      stmt += '\n' + (lines[i] as string);
    }
    current = undefined;
    independent = false;
    parseStatement(keyword, tokenize(stmt.slice(keyword.length, stmt.lastIndexOf(';'))), startLine, db, signalRefs, msgRefs, fail);
  }

  for (const r of msgRefs) {
    const m = byId.get(r.msg);
    if (m) r.apply(m);
  }
  for (const r of signalRefs) {
    const s = byId.get(r.msg)?.signals.find((x) => x.name === r.sig);
    if (!s) fail(r.line, `no signal ${r.sig} in message ${r.msg}`);
    else r.apply(s);
  }
  for (const m of db.messages) {
    const mux = m.signals.filter((s) => s.isMultiplexor && !s.multiplexed);
    for (const s of m.signals) {
      if (s.multiplexed && s.multiplexed.switch === '') {
        if (mux.length !== 1) fail(s.line, `signal ${s.name} is multiplexed (m${s.multiplexed.ranges[0]?.[0]}) but message ${m.name} has ${mux.length} multiplexor signals (M)`);
        s.multiplexed.switch = (mux[0] as DbcSignal).name;
      }
    }
    const cycle = db.attributes.get(`BO_ ${m.id}`)?.get('GenMsgCycleTime') ?? db.attributeDefaults.get('GenMsgCycleTime');
    if (typeof cycle === 'number' && cycle > 0) m.cycleTimeMs = cycle;
  }
  return db;
}

function endsStatement(text: string): boolean {
  let inStr = false;
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && inStr) { i++; continue; }
    if (c === '"') inStr = !inStr;
    if (!inStr && c !== undefined && !/\s/.test(c)) last = c;
  }
  return !inStr && last === ';';
}

type Fail = (line: number, why: string) => never;

function signalFrom(m: RegExpExecArray, line: number, fail: Fail): DbcSignal {
  const num = (v: string | undefined, what: string): number => {
    const n = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isFinite(n)) fail(line, `signal ${m[1]}: ${what} "${v ?? ''}" is not a number`);
    return n;
  };
  const length = num(m[4], 'length');
  const startBit = num(m[3], 'start bit');
  if (length < 1 || length > 64) fail(line, `signal ${m[1]}: length ${length} is outside 1..64`);
  if (startBit > 511) fail(line, `signal ${m[1]}: start bit ${startBit} is outside the 64-byte payload`);
  const muxTag = m[2];
  const s: DbcSignal = {
    name: m[1] as string, startBit, length, byteOrder: m[5] === '1' ? 'little' : 'big', signed: m[6] === '-',
    factor: num(m[7], 'factor'), offset: num(m[8], 'offset'), min: num(m[9], 'minimum'), max: num(m[10], 'maximum'),
    unit: (m[11] as string).replace(/\\"/g, '"'), receivers: (m[12] ?? '').split(/[\s,]+/).filter(Boolean),
    isMultiplexor: muxTag === 'M' || (muxTag?.endsWith('M') ?? false), line,
  };
  if (muxTag && muxTag !== 'M') {
    const n = Number(/^m(\d+)/.exec(muxTag)?.[1]);
    s.multiplexed = { switch: '', ranges: [[n, n]] };
  }
  return s;
}

function parseStatement(kw: string, toks: Tok[], line: number, db: DbcDatabase,
  signalRefs: { msg: number; sig: string; line: number; apply: (s: DbcSignal) => void }[],
  msgRefs: { msg: number; line: number; apply: (m: DbcMessage) => void }[], fail: Fail): void {
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const next = (what: string, type?: Tok['t']): Tok => {
    const t = toks[p++];
    if (!t || (type && t.t !== type)) fail(line, `${kw}: expected ${what}${t ? `, got "${t.v}"` : ' before ;'}`);
    return t as Tok;
  };
  const msgId = (): number => {
    const raw = Number(next('a message id', 'num').v);
    return raw >= 0x80000000 ? raw - 0x80000000 : raw;
  };
  const pairs = (): Map<number, string> => {
    const out = new Map<number, string>();
    while (p < toks.length) out.set(Number(next('a value', 'num').v), next('a label', 'str').v);
    return out;
  };
  const valueOf = (t: Tok): string | number => (t.t === 'num' ? Number(t.v) : t.v);
  switch (kw) {
    case 'CM_': {
      const first = next('an object or a comment');
      if (first.t === 'str') return; // database comment
      if (first.v === 'BO_') {
        const id = msgId();
        const text = next('the comment', 'str').v;
        msgRefs.push({ msg: id, line, apply: (m) => { m.comment = text; } });
      } else if (first.v === 'SG_') {
        const id = msgId();
        const sig = next('a signal name', 'id').v;
        const text = next('the comment', 'str').v;
        signalRefs.push({ msg: id, sig, line, apply: (s) => { s.comment = text; } });
      }
      return;
    }
    case 'VAL_TABLE_': {
      const name = next('a table name', 'id').v;
      db.valueTables.set(name, pairs());
      return;
    }
    case 'VAL_': {
      if (peek()?.t !== 'num') return; // environment variable values
      const id = msgId();
      const sig = next('a signal name', 'id').v;
      if (peek()?.t === 'id') {
        const table = db.valueTables.get(next('a table', 'id').v);
        if (table) signalRefs.push({ msg: id, sig, line, apply: (s) => { s.values = table; } });
        return;
      }
      const values = pairs();
      signalRefs.push({ msg: id, sig, line, apply: (s) => { s.values = values; } });
      return;
    }
    case 'BA_DEF_DEF_': {
      const name = next('an attribute name', 'str').v;
      const t = next('a default value');
      db.attributeDefaults.set(name, valueOf(t));
      return;
    }
    case 'BA_': {
      const name = next('an attribute name', 'str').v;
      let key = '';
      if (peek()?.t === 'id') {
        const obj = next('an object', 'id').v;
        if (obj === 'BO_') key = `BO_ ${msgId()}`;
        else if (obj === 'SG_') { const id = msgId(); key = `SG_ ${id} ${next('a signal', 'id').v}`; }
        else key = `${obj} ${next('a name').v}`;
      }
      const value = valueOf(next('a value'));
      const map = db.attributes.get(key) ?? new Map<string, string | number>();
      map.set(name, value);
      db.attributes.set(key, map);
      return;
    }
    case 'SIG_VALTYPE_': {
      const id = msgId();
      const sig = next('a signal name', 'id').v;
      if (peek()?.v === ':') p++;
      const type = Number(next('a value type (0, 1 or 2)', 'num').v);
      if (type !== 0 && type !== 1 && type !== 2) fail(line, `SIG_VALTYPE_: type ${type} is not 0, 1 or 2`);
      signalRefs.push({ msg: id, sig, line, apply: (s) => {
        if (type === 0) return;
        const bits = type === 1 ? 32 : 64;
        if (s.length !== bits) fail(line, `SIG_VALTYPE_ ${sig}: a float${bits} signal needs length ${bits}, not ${s.length}`);
        s.float = bits;
      } });
      return;
    }
    case 'SG_MUL_VAL_': {
      const id = msgId();
      const sig = next('a signal name', 'id').v;
      const sw = next('a multiplexor name', 'id').v;
      const ranges: [number, number][] = [];
      while (p < toks.length) {
        const lo = next('a range start', 'num');
        // "1-3" tokenizes as 1 and -3
        const hi = next('a range end', 'num');
        ranges.push([Number(lo.v), Math.abs(Number(hi.v))]);
        if (peek()?.v === ',') p++;
      }
      signalRefs.push({ msg: id, sig, line, apply: (s) => { s.multiplexed = { switch: sw, ranges }; } });
      return;
    }
    case 'SIG_GROUP_': {
      const id = msgId();
      const name = next('a group name', 'id').v;
      next('repetitions', 'num');
      if (peek()?.v === ':') p++;
      const signals: string[] = [];
      while (p < toks.length) signals.push(next('a signal name', 'id').v);
      db.signalGroups.push({ message: id, name, signals });
      return;
    }
    case 'BO_TX_BU_': {
      const id = msgId();
      if (peek()?.v === ':') p++;
      const senders = toks.slice(p).filter((t) => t.t === 'id').map((t) => t.v);
      msgRefs.push({ msg: id, line, apply: (m) => { m.senders = [...new Set([...m.senders, ...senders])]; } });
      return;
    }
    default:
      return; // attribute definitions, environment variables, relation attributes: not needed
  }
}
