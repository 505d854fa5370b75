/**
 * The bench scripts' flag reading: calls `handle(flag, value)` for each flag, where `value()` takes
 * the next argument (an error naming the flag when it is missing). `fail` builds the error.
 */
export function readFlags(
  argv: string[],
  handle: (flag: string, value: () => string) => void,
  fail: (message: string) => Error = (m) => new Error(m),
): void {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    handle(flag, () => {
      const v = argv[++i];
      if (v === undefined) throw fail(`${flag} needs a value`);
      return v;
    });
  }
}
