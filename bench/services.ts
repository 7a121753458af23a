/**
 * Services benchmark (issue 17) on namespaced sshd hosts: netem between two
 * groups of two hosts (requested against measured RTT, tc netem or the
 * user-space delayer, whichever this kernel allows), and the CPU monitoring
 * costs on a node. Then the controller's cost of VM sampling (the same
 * ClusterRuntime sampler on every testbed), measured on a simulated
 * datacenter against the same run unsampled. Prints the figures; the last
 * line is one JSON object.
 */
import { createHostPool, destroyPool } from "../plugins/local/netns/index.ts";
import { createSimCluster } from "../plugins/sim/index.ts";
import { median } from "../engine/metrics/stats.ts";
import { SshRunner } from "../engine/process/index.ts";
import { applyNetem, DELAYER_PROGRAM, rtt, startMonitoring } from "../engine/services/index.ts";
import { startClusterSampler } from "../engine/services/cluster-sampler.ts";
import { benchArgs } from "./args.ts";
import { cleanupOnInterrupt } from "./interrupt.ts";

benchArgs({ name: "services", description: "netem between namespaced sshd hosts (requested against measured RTT), CPU monitoring costs on a node, and the controller's cost of VM sampling on a simulated datacenter. Needs root. Last line: one JSON object.", flags: {} });

const PREFIX = "gfbsvc";
const DELAY_MS = 25;
const PERIOD_S = 0.5;
const MONITOR_S = 20;
/** VM sampling: 1,000 nodes x 8 VMs, every simulated second for 120 s, best of REPEATS pairs. */
const VM_NODES = 1000;
const VMS_PER_NODE = 8;
const VM_SPAN_S = 120;
const REPEATS = 5;

/** Controller CPU ms of one simulated run, sampled every second (nodes and VMs) or not; and the VM rows. */
function simRun(sampled: boolean): { cpuMs: number; vmRows: number } {
  const c = createSimCluster({ seed: 1, nodes: VM_NODES, vmsPerNode: VMS_PER_NODE, load: { kind: "gaussian", mean: 0.6, std: 0.3, loadPeriod: 30 } });
  const nodes = c.runtime.observe().nodes.map((n) => n.name);
  const before = process.cpuUsage();
  const sampler = sampled ? startClusterSampler(c.runtime, nodes, 1, { nodes: true, vms: true }) : null;
  c.run(VM_SPAN_S);
  const rows = sampler?.stop();
  const used = process.cpuUsage(before);
  return { cpuMs: (used.user + used.system) / 1000, vmRows: rows?.vmRows.length ?? 0 };
}

/** CPU µs the controller spends per VM row, the median of paired runs (unsampled run first, both warm). */
function vmSampleCost(): { usPerVm: number; vmRows: number } {
  simRun(true);
  const costs: number[] = [];
  let vmRows = 0;
  for (let i = 0; i < REPEATS; i++) {
    const bare = simRun(false);
    const sampled = simRun(true);
    vmRows = sampled.vmRows;
    costs.push((1000 * (sampled.cpuMs - bare.cpuMs)) / sampled.vmRows);
  }
  return { usPerVm: median(costs) ?? 0, vmRows };
}

async function main(): Promise<void> {
  // Registered before the pool exists: destroyPool also removes a pool half set up.
  const registered = cleanupOnInterrupt("services", () => destroyPool(PREFIX));
  const pool = await createHostPool({ count: 4, prefix: PREFIX });
  const ssh = new SshRunner({ hostKeyPolicy: { mode: "strict", knownHostsFile: pool.knownHostsFile } });
  try {
    const [a0, a1, b0, b1] = pool.hosts;
    const baseMs = await rtt(ssh, a0, b0.address, 10);
    const netem = await applyNetem(ssh, [{ between: [[a0, a1], [b0, b1]], delayMs: DELAY_MS }], {}, undefined, ["python3", DELAYER_PROGRAM]);
    const measured = await rtt(ssh, a1, b1.address, 20);
    await netem.remove();
    const afterMs = await rtt(ssh, a0, b0.address, 10);
    console.log(`netem (${netem.report.method}): requested RTT ${2 * DELAY_MS} ms, measured ${measured} ms (median of 20); base ${baseMs} ms, after removal ${afterMs} ms`);
    const m = startMonitoring({ runner: ssh }, [a0], { period: PERIOD_S });
    await new Promise((r) => setTimeout(r, MONITOR_S * 1000));
    const s = await m.stop();
    console.log(`monitoring: ${s.samples} samples in ${MONITOR_S} s at ${PERIOD_S} s, sampler CPU ${s.overheadPct} % of one core`);
    const vm = vmSampleCost();
    // per second: one row per VM; in % of one core for 1,000 VMs
    const vmOverheadPct = Math.round(vm.usPerVm * 1000 / 1e6 * 100 * 1000) / 1000;
    console.log(`VM sampling (controller): ${vm.usPerVm.toFixed(2)} µs CPU per VM row (${vm.vmRows} rows of ${VM_NODES * VMS_PER_NODE} VMs over ${VM_SPAN_S} simulated s); 1,000 VMs every second cost ${vmOverheadPct} % of one core`);
    console.log(JSON.stringify({
      bench: "services", netemMethod: netem.report.method,
      netemRequestedMs: 2 * DELAY_MS, netemMeasuredMs: measured, netemBaseMs: baseMs, netemAfterRemovalMs: afterMs,
      monitoringPeriodS: PERIOD_S, monitoringSamples: s.samples, monitoringOverheadPct: s.overheadPct,
      vmSampleUsPerVm: Math.round(vm.usPerVm * 100) / 100, vmMonitoringOverheadPctPer1kVms: vmOverheadPct,
    }));
  } finally {
    await ssh.close();
    await pool.destroy();
    registered();
  }
}

await main();
