import type { MigrationResult, Seconds } from "../../engine/cluster.ts";
import type { Host } from "../../engine/hosts.ts";
import type { CommandSpec, HostResult } from "../../engine/process/index.ts";
import type { BaseDisk } from "./vms/disk.ts";
import { migrateArgv, parseJobInfo, virsh } from "./virsh.ts";

export interface MigrateEnv {
  now(): Seconds;
  exec(host: Host, command: CommandSpec): Promise<HostResult>;
  /** Whether the guest answers over SSH through `node` (its uptime, or null). */
  guestUptime(vm: string, node: Host, timeout: Seconds): Promise<number | null>;
  readonly migrateTimeout: Seconds;
  /** The base disk of the guests' overlays (the destination's overlay is made on it). */
  readonly base: BaseDisk;
}

const firstLine = (r: HostResult): string => (r.stderr.trim() || r.error || r.stdout.trim() || r.status).split("\n")[0];

/**
 * One real live migration with `virsh migrate --live`, run on the source
 * node. Time and downtime come from the destination's record of the job; the
 * guest must then answer SSH at the destination, or the migration counts as
 * failed (a guest can crash after the move), and its uptime must have kept
 * counting. Never a hang: every step has a deadline.
 */
export interface CheckedMigration {
  readonly result: MigrationResult;
  /** Guest uptime read just before and just after the move: a live migration keeps it counting. */
  readonly uptimeBefore: number | null;
  readonly uptimeAfter: number | null;
}

export async function liveMigrate(env: MigrateEnv, vm: string, from: Host, to: Host): Promise<CheckedMigration> {
  const uptimeBefore = await env.guestUptime(vm, from, 10);
  const start = env.now();
  const checked = (result: MigrationResult, uptimeAfter: number | null = null): CheckedMigration => ({ result, uptimeBefore, uptimeAfter });
  const result = (outcome: MigrationResult["outcome"], extra: Partial<MigrationResult> = {}): MigrationResult => ({
    vm, from: from.name, to: to.name, start, end: env.now(), downtime: 0, rounds: 0, outcome, ...extra,
  });
  const run = await env.exec(from, { argv: migrateArgv(vm, to.address, env.base), timeout: env.migrateTimeout });
  if (run.status === "timed-out") {
    await env.exec(from, { argv: virsh("domjobabort", vm), timeout: 30 });
    return checked(result("not-converged", { reason: `not finished after ${env.migrateTimeout} s, aborted` }));
  }
  if (run.status !== "ok") return checked(result("failed", { reason: firstLine(run) }));
  const end = env.now();
  const job = parseJobInfo((await env.exec(to, { argv: virsh("domjobinfo", "--completed", vm), timeout: 30 })).stdout);
  const measured = {
    end,
    downtime: (job.downtimeMs ?? 0) / 1000,
    rounds: Math.max(0, (job.iterations ?? 1) - 1),
  };
  const uptime = await env.guestUptime(vm, to, 30);
  if (uptime === null) return checked(result("failed", { ...measured, reason: "guest does not answer at the destination after the migration" }));
  if (uptimeBefore !== null && uptime < uptimeBefore) return checked(result("failed", { ...measured, reason: "guest rebooted during the migration" }), uptime);
  return checked(result("ok", measured), uptime);
}
