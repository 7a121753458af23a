/**
 * Node and VM monitoring on any testbed, with the public API only: VMs
 * packed on the nodes, the first `hot` of them stressed at `hotLoad` and
 * the others at `coldLoad`, sampled every `period` s of testbed time for
 * `duration` s. On `sim` the node rows come from the simulator and the VM
 * rows show the CPU each VM obtains (`cpuUse`) next to its demand: four VMs
 * at 100 % on one core get 0.25 each. On real testbeds the nodes' /proc
 * and libvirt's CPU time of each guest give the rows.
 */
import { param, workflow } from "g5k-flow";

export default workflow({
  name: "vm-monitoring",
  description: "node and VM CPU and memory sampled at a period while VMs run stressed and idle",
  params: {
    nodes: param.int(2, "nodes", { min: 1, max: 10000 }),
    cores: param.int(1, "cores per node (sim, local)", { min: 1, max: 256 }),
    vmsPerNode: param.int(4, "VMs packed on each node", { min: 1, max: 64 }),
    memoryMiB: param.int(256, "memory per VM, MiB", { min: 256 }),
    hot: param.int(4, "VMs (in boot order) stressed at hotLoad; the others at coldLoad", { min: 0 }),
    hotLoad: param.number(1, "CPU load of the hot VMs (0..1 of their vCPU)", { min: 0, max: 1 }),
    coldLoad: param.number(0.2, "CPU load of the other VMs (0..1)", { min: 0, max: 1 }),
    period: param.number(2, "sampling period, s of testbed time", { min: 0.1, max: 3600 }),
    duration: param.duration("10s", "how long the VMs run monitored"),
  },
  report: {
    title: "Node and VM monitoring",
    charts: [
      { title: "CPU per node", table: "monitoring", kind: "line", x: "t", y: "cpuPct", series: "host", xLabel: "s", yLabel: "CPU %" },
      { title: "CPU demand per VM", table: "monitoring_vms", kind: "line", x: "t", y: "cpuDemand", series: "vm", xLabel: "s", yLabel: "cores" },
      { title: "CPU obtained per VM (sim)", table: "monitoring_vms", kind: "line", x: "t", y: "cpuUse", series: "vm", xLabel: "s", yLabel: "cores" },
    ],
  },
  async run(x, p) {
    const nodes = await x.deploy(await x.reserve({ nodes: p.nodes, cores: p.cores, vms: p.nodes * p.vmsPerNode }));
    const vms = await x.bootVms(nodes, { perNode: p.vmsPerNode, memoryMiB: p.memoryMiB, placement: { policy: "packed" } });
    const hot = vms.slice(0, p.hot);
    const cold = vms.slice(p.hot);
    if (hot.length > 0) await x.stress(hot, { kind: "constant", load: p.hotLoad });
    if (cold.length > 0) await x.stress(cold, { kind: "constant", load: p.coldLoad });
    const monitoring = await x.monitor(nodes, { period: p.period, vms: true });
    await x.schedule("none", { for: p.duration });
    const s = await monitoring.stop();
    x.summary({
      hot: hot.map((v) => v.name),
      cold: cold.map((v) => v.name),
      nodeSamples: s.samples,
      vmSamples: s.vmRows.length,
      overheadPct: s.overheadPct,
      failed: [...s.failed],
    });
  },
});
