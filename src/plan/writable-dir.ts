import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Why `dir` could not be used as an output folder, or undefined when it can: checked without
 * creating anything (so `validate` may ask too). The nearest part of the path that exists must be
 * a folder we may write into; a regular file anywhere on the way is named.
 */
export function writableDirProblem(dir: string): string | undefined {
  let at = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const up = dirname(at);
        if (up === at) return `${dir}: no part of the path exists`;
        at = up;
        continue;
      }
      if (code === 'ENOTDIR') {
        // a regular file sits somewhere on the way: find it
        let up = dirname(at);
        while (up !== dirname(up)) {
          try {
            if (!statSync(up).isDirectory()) return `${dir} cannot be a folder: ${up} is a file`;
          } catch { /* keep climbing */ }
          up = dirname(up);
        }
        return `${dir} cannot be a folder: a part of the path is a file`;
      }
      return `${dir}: ${code ?? (err as Error).message}`;
    }
    if (!st.isDirectory()) return at === resolve(dir) ? `${dir} is a file, not a folder` : `${dir} cannot be a folder: ${at} is a file`;
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch {
      return at === resolve(dir) ? `${dir}: the folder is not writable` : `${dir} cannot be created: ${at} is not writable`;
    }
    return undefined;
  }
}
