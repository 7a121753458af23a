import { execa } from "execa";

/** Runs a system tool with an argument array; throws with its stderr on failure. */
export async function sh(file: string, args: readonly string[], input?: string): Promise<string> {
  const r = await execa(file, args, { input, reject: false, stripFinalNewline: true });
  if (r.exitCode !== 0) {
    throw new Error(`${file} ${args.join(" ")} failed (${r.exitCode}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** Maps over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
