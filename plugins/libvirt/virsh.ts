import type { Seconds } from "../../engine/cluster.ts";
import type { HostResult } from "../../engine/process/index.ts";
import { CREATE_OVERLAY, OVERLAY_POOL, overlayVolumeXml, type BaseDisk } from "./vms/disk.ts";

/** The port every node's libvirtd listens on (virsh and migrations reach it over TCP). */
export const LIBVIRT_TCP_PORT = 16509;

/**
 * virsh command lines, run on a node over SSH as on Grid'5000. A node's
 * libvirtd lives in a private mount namespace, so its unix socket is not
 * visible to SSH sessions: virsh reaches it over TCP on the node's loopback.
 */
export const LOCAL_URI = `qemu+tcp://127.0.0.1:${LIBVIRT_TCP_PORT}/system`;

export const virsh = (...args: string[]): string[] => ["virsh", "-q", "-c", LOCAL_URI, ...args];

/** virsh's errors span lines ("error: Failed to create domain", then why): all of it, on one line. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();

/** Why a remote command did not succeed, on one line. */
export function failureReason(r: HostResult, timeout: Seconds): string {
  if (r.status === "timed-out") return `no answer within ${timeout} s`;
  if (r.status === "unreachable") return `unreachable by SSH: ${oneLine(r.error ?? "")}`;
  return oneLine(r.stderr || r.error || `exit code ${r.exitCode}`);
}

/** The same, naming the operation and its host: "virsh destroy vm-1 on lf0-h1: no answer within 30 s". */
export const failureLine = (operation: string, r: HostResult, timeout: Seconds): string => `${operation} on ${r.host}: ${failureReason(r, timeout)}`;

/** Migration bandwidth cap in MiB/s: high, because qemu's own default (~1 Gbit/s) would dominate the figures. */
export const MIGRATION_BANDWIDTH_MIBS = 8192;

/**
 * $1: the VM; $2: the destination's address; $3: the source's ("": this
 * node's libvirtd); $4: its overlay's volume XML. The destination's overlay
 * is created first over the same base (libvirt only copies into an existing
 * one), the memory and the overlay's blocks then move together
 * (`--copy-storage-inc`: the base is on both nodes), and the overlay left
 * behind is deleted; a failed move deletes the destination's instead. The
 * data stream goes to the destination's address, as every node answers to
 * the same machine identity.
 */
const MIGRATE = [
  'vm=$1; dst="qemu+tcp://$2:' + LIBVIRT_TCP_PORT + '/system"; src="qemu+tcp://${3:-127.0.0.1}:' + LIBVIRT_TCP_PORT + '/system"; vol="$vm.qcow2"',
  'printf %s "$4" | sh -c "$5" create-overlay "$dst" "$6" "$vol" || { echo "cannot create the overlay of $vm on $2" >&2; exit 1; }',
  'virsh -q -c "$src" migrate --live --copy-storage-inc --bandwidth "$7" "$vm" "$dst" --migrateuri "tcp://$2" && { virsh -q -c "$src" vol-delete --pool "$6" "$vol" >/dev/null 2>&1; exit 0; }',
  'status=$?; virsh -q -c "$dst" vol-delete --pool "$6" "$vol" >/dev/null 2>&1; exit $status',
].join("\n");

/** Run on the source node, or from any node when `srcAddress` names the source's libvirtd (agents migrate for their partition). */
export function migrateArgv(vm: string, dstAddress: string, base: BaseDisk, srcAddress = ""): string[] {
  return ["sh", "-c", MIGRATE, "g5k-migrate", vm, dstAddress, srcAddress, overlayVolumeXml(vm, base), CREATE_OVERLAY, OVERLAY_POOL, String(MIGRATION_BANDWIDTH_MIBS)];
}

export interface DomainStats {
  readonly name: string;
  /** libvirt's domain state (1 running, 3 paused, 5 shut off...). */
  readonly state: number;
  /** Cumulated CPU time of the guest, nanoseconds. */
  readonly cpuTimeNs: number;
}

/** Parses `virsh domstats --state --cpu-total`. */
export function parseDomstats(text: string): DomainStats[] {
  const out: DomainStats[] = [];
  let current: { name: string; state: number; cpuTimeNs: number } | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const domain = /^Domain: '(.*)'$/.exec(line);
    if (domain) {
      if (current) out.push(current);
      current = { name: domain[1], state: 0, cpuTimeNs: 0 };
      continue;
    }
    if (!current) continue;
    const [key, value] = line.split("=");
    if (key === "state.state") current.state = Number(value);
    else if (key === "cpu.time") current.cpuTimeNs = Number(value);
  }
  if (current) out.push(current);
  return out;
}

export interface JobInfo {
  readonly elapsedMs: number | null;
  readonly downtimeMs: number | null;
  readonly iterations: number | null;
  readonly dataTotalMiB: number | null;
}

const UNIT_MIB: Readonly<Record<string, number>> = { B: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024 };

/** Parses `virsh domjobinfo --completed` (the destination keeps the stats of an incoming migration). */
export function parseJobInfo(text: string): JobInfo {
  const field = (label: string): string | null => {
    const m = new RegExp(`^${label}:\\s*(.+)$`, "m").exec(text);
    return m ? m[1].trim() : null;
  };
  const num = (label: string): number | null => {
    const v = field(label);
    return v === null ? null : Number.parseFloat(v);
  };
  const total = field("Memory processed");
  const totalMatch = total ? /^([\d.]+)\s*(B|KiB|MiB|GiB)$/.exec(total) : null;
  return {
    elapsedMs: num("Time elapsed"),
    downtimeMs: num("Total downtime"),
    iterations: num("Iteration"),
    dataTotalMiB: totalMatch ? Number(totalMatch[1]) * UNIT_MIB[totalMatch[2]] : null,
  };
}
