import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { LIBVIRT_TCP_PORT } from "../../libvirt/index.ts";
import { sh } from "../netns/index.ts";

/** libvirt's state directories, each bind-mounted privately per node (`unshare -m`), as if each node had its own disk. */
const PRIVATE_DIRS = {
  etc: "/etc/libvirt",
  run: "/run/libvirt",
  lib: "/var/lib/libvirt",
  log: "/var/log/libvirt",
  cache: "/var/cache/libvirt",
} as const;

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

/** A stable per-node host UUID: libvirt refuses a migration whose two ends report the same one (they share the machine's SMBIOS). */
function hostUuid(node: string): string {
  const h = createHash("sha256").update(`g5k-flow-local:${node}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** TCP without auth is only acceptable because the socket lives in a namespace of ours, reachable from nowhere else. */
function libvirtdConf(node: string): string {
  return [
    "listen_tls = 0",
    "listen_tcp = 1",
    'listen_addr = "0.0.0.0"',
    `tcp_port = "${LIBVIRT_TCP_PORT}"`,
    'auth_tcp = "none"',
    'auth_unix_rw = "none"',
    `host_uuid = "${hostUuid(node)}"`,
    'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"',
    "max_clients = 200",
    "max_workers = 8",
    "",
  ].join("\n");
}

/** No systemd, no cgroups, no per-VM mount namespaces, no SELinux/AppArmor: what works inside a network namespace. */
const QEMU_CONF = [
  'user = "root"',
  'group = "root"',
  "dynamic_ownership = 0",
  "remember_owner = 0",
  'security_driver = "none"',
  "cgroup_controllers = [ ]",
  "namespaces = [ ]",
  'stdio_handler = "file"',
  "migration_port_min = 49152",
  "migration_port_max = 49407",
  "",
].join("\n");

/*
 * libvirtd runs in the node's network namespace, in private mount and UTS
 * namespaces: its own libvirt directories and its own hostname. The script is
 * constant; the node's directory and name arrive as positional parameters.
 */
const LAUNCH = [
  'mount --bind "$1/etc" /etc/libvirt',
  'mount --bind "$1/run" /run/libvirt',
  'mount --bind "$1/lib" /var/lib/libvirt',
  'mount --bind "$1/log" /var/log/libvirt',
  'mount --bind "$1/cache" /var/cache/libvirt',
  'mount --bind "$1/hosts" /etc/hosts',
  'hostname "$2"',
  'exec libvirtd --daemon --listen --pid-file "$1/libvirtd.pid" --config "$1/etc/libvirtd.conf"',
].join(" && ");

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
  await writeFile(`${files.dir}/etc/libvirtd.conf`, libvirtdConf(node));
  await writeFile(`${files.dir}/etc/qemu.conf`, QEMU_CONF);
  // libvirt resolves its own hostname on every job; without this each lookup waits for an unreachable DNS.
  await writeFile(`${files.dir}/hosts`, `127.0.0.1 localhost\n127.0.1.1 ${node}\n`);
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
