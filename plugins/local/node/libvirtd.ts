import { mkdir, readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { hostUuid, LAUNCH, libvirtdConf, nodeHosts, PRIVATE_DIRS, QEMU_CONF } from "../../libvirt/index.ts";
import { sh } from "../netns/index.ts";

/** Seconds libvirtd has to daemonise. */
const LAUNCH_LIMIT = 120;

export interface LibvirtdFiles {
  /** The node's private libvirt tree on the controller's disk (logs are collected from here). */
  readonly dir: string;
  readonly pidFile: string;
  readonly log: string;
  /** Where qemu logs of the node's guests land (`<vm>.log`). */
  readonly qemuLogDir: string;
}

export function libvirtdFiles(dir: string): LibvirtdFiles {
  return { dir, pidFile: `${dir}/libvirtd.pid`, log: `${dir}/log/libvirtd.log`, qemuLogDir: `${dir}/log/qemu` };
}

/**
 * Starts a node's libvirtd. `capsCache` (a directory of qemu capability
 * probes) is copied in so each node skips libvirt's ~8 s first probe.
 */
export async function startLibvirtd(namespace: string, node: string, files: LibvirtdFiles, capsCache?: string): Promise<number> {
  for (const [sub, target] of Object.entries(PRIVATE_DIRS)) {
    await mkdir(`${files.dir}/${sub}`, { recursive: true });
    await mkdir(target, { recursive: true });
  }
  await mkdir(files.qemuLogDir, { recursive: true });
  await writeFile(`${files.dir}/etc/libvirtd.conf`, libvirtdConf(hostUuid(node)));
  await writeFile(`${files.dir}/etc/qemu.conf`, QEMU_CONF);
  await writeFile(`${files.dir}/hosts`, nodeHosts(node));
  if (capsCache) await sh("cp", ["-a", `${capsCache}/.`, `${files.dir}/cache/`]).catch(() => undefined);
  // `libvirtd --daemon` returns once the daemon is initialised: qemu probing is CPU-heavy, hence the generous bound.
  const r = await execa("ip", ["netns", "exec", namespace, "unshare", "--mount", "--uts", "--", "sh", "-c", LAUNCH, "libvirtd-launch", files.dir, node], { reject: false, timeout: LAUNCH_LIMIT * 1000 });
  if (r.timedOut) throw new Error(`libvirtd in ${namespace}: not started within ${LAUNCH_LIMIT} s`);
  if (r.exitCode !== 0) throw new Error(`libvirtd in ${namespace} failed to start: ${r.stderr.trim()}`);
  for (let i = 0; i < 500; i++) {
    const pid = Number((await readFile(files.pidFile, "utf8").catch(() => "")).trim());
    if (pid > 0) return pid;
    await sleep(10);
  }
  throw new Error(`libvirtd in ${namespace} wrote no pid file: ${await readFile(files.log, "utf8").catch(() => "")}`);
}
