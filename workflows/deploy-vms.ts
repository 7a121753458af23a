/**
 * The Flauncher / vm5k deployment cycle: reserve N nodes, deploy and
 * provision them into hypervisors, send the VM image once per node, boot
 * M VMs per node, and report how long each stage took against the number
 * of nodes (the Flauncher paper's figure 2), with the nodes and VMs lost on
 * the way. Meant for `--testbed g5k` (Grid'5000 or its stand-in); on the
 * other testbeds the stages they do not have are simply absent.
 */
import { param, workflow, type MetricRow } from "g5k-flow";

/** vm5k's placement policies, by their vm5k names. */
const PLACEMENTS = {
  "round-robin": { policy: "round-robin" },
  concentrated: { policy: "packed" },
} as const;

export default workflow({
  name: "deploy-vms",
  description: "N nodes x M VMs from bare nodes: per-stage durations (reserve, deploy, provision, broadcast, boot), failed nodes, boot failures and retries",
  params: {
    nodes: param.int(4, "nodes to reserve", { min: 1, max: 1000 }),
    vmsPerNode: param.int(2, "VMs per node (vm5k's n per host)", { min: 1, max: 100 }),
    memoryMiB: param.int(256, "memory per VM, MiB", { min: 128 }),
    placement: param.choice(["round-robin", "concentrated"], "round-robin", "where the VMs go: spread over the nodes in turn, or each node filled before the next"),
    retries: param.int(1, "attempts after the first for a node's provisioning and a VM's boot", { min: 0, max: 5 }),
    minNodes: param.number(0.75, "fraction of the nodes that must come out of provisioning", { min: 0.01, max: 1 }),
    minVms: param.number(0.9, "fraction of the VMs that must boot", { min: 0.01, max: 1 }),
  },
  report: {
    title: "Deployment cycle",
    charts: [{ title: "Seconds per stage", table: "stages", kind: "bar", x: "stage", y: "seconds", xLabel: "stage", yLabel: "seconds" }],
  },
  async run(x, p) {
    const reserved = await x.reserve({ nodes: p.nodes, walltime: 3600, vms: p.nodes * p.vmsPerNode });
    const nodes = await x.deploy(reserved, { policy: { retries: p.retries, require: { fraction: p.minNodes } } });
    const vms = await x.bootVms(nodes, {
      perNode: p.vmsPerNode,
      vcpus: 1,
      memoryMiB: p.memoryMiB,
      placement: PLACEMENTS[p.placement],
      policy: { retries: p.retries, require: { fraction: p.minVms } },
    });
    const metrics = await x.collect();
    const stages: readonly MetricRow[] = metrics.tables.stages ?? [];
    const failures: readonly MetricRow[] = metrics.tables.provision_failures ?? [];
    x.metrics("stages", stages);
    x.metrics("provision_failures", failures);
    x.metrics("boot_failures", metrics.tables.boot_failures ?? []);
    const failedNodes = reserved.map((n) => n.name).filter((name) => !nodes.some((n) => n.name === name));
    for (const f of failures) x.log(`node ${String(f.node)} excluded at ${String(f.stage)}: ${String(f.reason)}`);
    x.summary({
      nodes: p.nodes,
      provisioned: nodes.length,
      failedNodes,
      vmsPlanned: nodes.length * p.vmsPerNode,
      vmsBooted: vms.length,
      bootFailures: metrics.counters.bootFailures ?? 0,
      bootRetries: metrics.counters.bootRetries ?? 0,
      stages: Object.fromEntries(stages.map((s) => [String(s.stage), Number(s.seconds)])),
    });
  },
});
