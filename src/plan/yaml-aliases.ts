import { type Document, isAlias, isCollection, isPair, isScalar, type LineCounter, type Node } from 'yaml';
import { formatPath } from '../core/field-path.js';

/** Values an alias may add to a file in total (a "billion laughs" file adds billions). */
export const MAX_ALIAS_EXPANSION = 100_000;
/** Deepest nesting of maps and lists a plan or rig may have. */
export const MAX_NESTING = 64;

export interface YamlShapeProblem {
  line: number | undefined;
  col: number | undefined;
  path: string;
  message: string;
}

interface Frame {
  node: Node;
  parent: Frame | undefined;
  /** Path segment of this node under its parent. */
  seg: PropertyKey | undefined;
  /** Children still to visit: [path segment, node]. */
  todo: [PropertyKey, unknown][];
  size: number;
}

function childrenOf(node: Node): [PropertyKey, unknown][] {
  if (!isCollection(node)) return [];
  const items = node.items as unknown[];
  if (!items.every(isPair)) return items.map((item, i) => [i, item]);
  const out: [PropertyKey, unknown][] = [];
  for (const pair of items) {
    if (!isPair(pair)) continue;
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    if (pair.key && typeof pair.key === 'object') out.push([`${key}(key)`, pair.key]);
    out.push([key, pair.value]);
  }
  return out;
}

/**
 * Check a parsed document before it is turned into data, in one pass over its nodes and without
 * recursion: every alias names an anchor set before it and outside itself, the aliases together add
 * at most MAX_ALIAS_EXPANSION values, and nothing nests deeper than MAX_NESTING. Returns the first
 * problem with its line and field path, or undefined.
 */
export function checkYamlShape(doc: Document, lines: LineCounter): YamlShapeProblem | undefined {
  // Paths are built only for a problem: from the open frames up to the root.
  const pathOf = (parent: Frame | undefined, seg: PropertyKey | undefined): PropertyKey[] => {
    const out: PropertyKey[] = seg === undefined ? [] : [seg];
    for (let f = parent; f && f.seg !== undefined; f = f.parent) out.unshift(f.seg);
    return out;
  };
  const at = (node: Node, path: PropertyKey[], message: string): YamlShapeProblem => {
    const pos = node.range ? lines.linePos(node.range[0]) : undefined;
    const shown = path.length > 8 ? `${formatPath(path.slice(0, 6))}…(${path.length} levels)` : formatPath(path);
    return { line: pos?.line, col: pos?.col, path: shown, message };
  };
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  let added = 0;
  let worst: { node: Node; path: PropertyKey[]; size: number; source: string } | undefined;
  const root = doc.contents;
  if (!root) return undefined;
  const stack: Frame[] = [];
  const enter = (node: Node, seg: PropertyKey | undefined): YamlShapeProblem | undefined => {
    const parent = stack.at(-1);
    if (stack.length >= MAX_NESTING) return at(node, pathOf(parent, seg), `nested deeper than ${MAX_NESTING} levels`);
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return at(node, pathOf(parent, seg), `unknown alias *${node.source} (an anchor &${node.source} must come before it)`);
      if (open.has(target)) return at(node, pathOf(parent, seg), `alias *${node.source} refers to a value that contains it (recursive data)`);
      const size = sizes.get(target) ?? 1;
      added += size;
      if (!worst || size > worst.size) worst = { node, path: pathOf(parent, seg), size, source: node.source };
      if (added > MAX_ALIAS_EXPANSION) {
        const w = worst;
        return at(w.node, w.path, `aliases expand to more than ${MAX_ALIAS_EXPANSION} values (alias *${w.source} alone stands for ${w.size}); write the data out or use fewer aliases`);
      }
      if (parent) parent.size += size;
      return undefined;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    open.add(node);
    stack.push({ node, parent, seg, todo: childrenOf(node).reverse(), size: 1 });
    return undefined;
  };
  const first = enter(root as Node, undefined);
  if (first) return first;
  while (stack.length > 0) {
    const top = stack.at(-1)!;
    const next = top.todo.pop();
    if (next) {
      const [seg, child] = next;
      if (child === null || child === undefined || typeof child !== 'object') { top.size += 1; continue; }
      const problem = enter(child as Node, seg);
      if (problem) return problem;
      continue;
    }
    stack.pop();
    open.delete(top.node);
    sizes.set(top.node, top.size);
    if (stack.length > 0) stack.at(-1)!.size += top.size;
  }
  return undefined;
}
