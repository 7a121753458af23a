import { readFile } from "node:fs/promises";
import { execa } from "execa";

/** Pids in a host's network namespace whose command line contains `needle`. */
export async function matching(netns: string, needle: string): Promise<number[]> {
  const { stdout } = await execa("ip", ["netns", "pids", netns]);
  const pids: number[] = [];
  for (const pid of stdout.split("\n").filter(Boolean)) {
    if ((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).includes(needle)) pids.push(Number(pid));
  }
  return pids;
}

/** Polls `test` until it holds, or throws after `ms`. */
export async function until(what: string, test: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (await test()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}
