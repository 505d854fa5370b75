import { expect } from 'vitest';

/** A small XML 1.0 well-formedness checker for the JUnit report tests (no XML library in the project). */

export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

function decode(s: string): string {
  const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(s);
  if (bad) throw new Error(`stray & at ${bad.index}: ${s.slice(bad.index, bad.index + 12)}`);
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[e] !== undefined) return named[e];
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/**
 * A deliberately small XML 1.0 well-formedness check: declaration, properly nested elements, quoted
 * unique attributes without raw `<` or whitespace a parser would normalise, valid entities only, no
 * character XML forbids. Returns the element tree with decoded text and attributes.
 */
export function parseXml(xml: string): El {
  const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.exec(xml);
  if (forbidden) throw new Error(`forbidden character U+${forbidden[0].charCodeAt(0).toString(16)} at ${forbidden.index}`);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const doc: El = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: El[] = [doc];
  const token = /<\/([A-Za-z_][\w.-]*)\s*>|<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    const m = token.exec(body);
    if (!m) throw new Error(`not well-formed at ${pos}: ${body.slice(pos, pos + 40)}`);
    pos = token.lastIndex;
    const top = stack.at(-1) as El;
    if (m[1]) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of (m[3] ?? '').matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
        const [, k, raw] = a as unknown as [string, string, string];
        if (k in attrs) throw new Error(`duplicate attribute ${k} on <${m[2]}>`);
        if (/[\t\n\r]/.test(raw)) throw new Error(`raw whitespace a parser would normalise in ${k}="${raw}"`);
        attrs[k] = decode(raw);
      }
      const el: El = { name: m[2], attrs, children: [], text: '' };
      if (top === doc && doc.children.length > 0) throw new Error('more than one root element');
      top.children.push(el);
      if (!m[4]) stack.push(el);
    } else {
      const text = m[5] as string;
      if (top === doc) {
        if (text.trim()) throw new Error(`text outside the root: ${text}`);
      } else {
        if (text.includes('\r')) throw new Error('raw CR in text');
        top.text += decode(text);
      }
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  expect(doc.children).toHaveLength(1);
  return doc.children[0] as El;
}

export const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
