import { readFileSync } from "node:fs";
import { execa } from "execa";

/** A process's command line; "" once it ended (between the listing and this read). */
const cmdline = (pid: string): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};

/** qemu processes running in these network namespaces (guests a testbed left behind, when the test expects none). */
export async function qemuCount(namespaces: readonly string[]): Promise<number> {
  let n = 0;
  for (const ns of namespaces) {
    const pids = (await execa("ip", ["netns", "pids", ns])).stdout.split("\n").filter(Boolean);
    n += pids.filter((pid) => cmdline(pid).startsWith("qemu-system")).length;
  }
  return n;
}
