import { execa } from "execa";
import { readFile } from "node:fs/promises";

/** SIGKILLs every process in a network namespace (a host's sshd and its sessions): a crashed node. */
export async function killNamespace(netns: string): Promise<number> {
  const { stdout } = await execa("ip", ["netns", "pids", netns]);
  const pids = stdout.split("\n").filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
  return pids.length;
}

/** Waits for a process in a namespace whose command line contains `needle`, and returns its pid. */
export async function findInNamespace(netns: string, needle: string, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { stdout } = await execa("ip", ["netns", "pids", netns]);
    for (const pid of stdout.split("\n").filter(Boolean)) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (cmd.includes(needle)) return Number(pid);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no process matching ${needle} in ${netns}`);
}
