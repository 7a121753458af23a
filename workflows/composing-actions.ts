/**
 * Composing actions on roles, with the public API only: process-only nodes
 * split into two roles, monitored, with an emulated WAN between the roles;
 * a file broadcast to everyone, checked on the clients down the relay tree
 * while the servers measure their RTT to the clients.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { broadcast, local, parallel, param, remote, sequence, workflow } from "g5k-flow";

export default workflow({
  name: "composing-actions",
  description: "roles, a tree fan-out, a broadcast, monitoring and netem, written with the public API only",
  params: {
    servers: param.int(2, "hosts of the servers role", { min: 1, max: 100 }),
    clients: param.int(20, "hosts of the clients role (reached down the relay tree)", { min: 1, max: 200 }),
    delayMs: param.number(10, "one-way delay between servers and clients, ms", { min: 0, max: 1000 }),
    fileMiB: param.int(8, "size of the broadcast file, MiB", { min: 1, max: 4096 }),
    period: param.number(0.5, "monitoring period, s", { min: 0.1, max: 60 }),
  },
  report: {
    title: "Composing actions: monitoring",
    charts: [
      { title: "CPU per host", table: "monitoring", kind: "line", x: "t", y: "cpuPct", series: "host", xLabel: "s", yLabel: "CPU %" },
      { title: "Sent per host", table: "monitoring", kind: "line", x: "t", y: "txKBps", series: "host", xLabel: "s", yLabel: "KiB/s" },
    ],
  },
  async run(x, p) {
    const nodes = await x.reserve({ nodes: p.servers + p.clients, roles: { servers: p.servers, clients: p.clients } });
    const { servers, clients } = nodes.roles;
    await x.deploy(nodes, { vms: false });
    const monitoring = await x.monitor(nodes, { period: p.period });
    const wan = await x.netem([{ between: [servers, clients], delayMs: p.delayMs }]);
    const file = join(tmpdir(), `g5k-flow-composing-${process.pid}.bin`);
    const copy = "/tmp/g5k-flow-composing-{{host}}.bin";
    const tour = await x.run(sequence([
      local(["dd", "if=/dev/urandom", `of=${file}`, "bs=1M", `count=${p.fileMiB}`, "status=none"]),
      broadcast(nodes, file, copy, { timeout: 300 }),
      parallel([
        remote(clients, ["sha256sum", copy], { runner: "tree", timeout: 60 }),
        remote(servers, ["ping", "-n", "-q", "-c", "5", "-i", "0.2", clients[0].address], { timeout: 60 }),
      ]),
      parallel([remote(nodes, ["rm", "-f", copy]), local(["rm", "-f", file])]),
    ], { name: "tour" }));
    const samples = await monitoring.stop();
    const sums = new Set(tour.parts?.[2]?.parts?.[0]?.results.map((r) => r.stdout.split(" ")[0]));
    x.summary({
      roles: { servers: servers.map((h) => h.name), clients: clients.map((h) => h.name) },
      hostsOk: tour.ok,
      hostsFailed: tour.failed,
      sameFileEverywhere: sums.size === 1,
      netemMethod: wan.method,
      rttMs: wan.checks.map((c) => c.measuredMs),
      requestedRttMs: wan.checks.map((c) => c.requestedMs),
      monitoringSamples: samples.samples,
      monitoringOverheadPct: samples.overheadPct,
    });
  },
});
