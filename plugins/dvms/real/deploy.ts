import type { AgentHosting, Seconds } from "../../../engine/cluster.ts";
import type { Host } from "../../../engine/hosts.ts";
import { broadcastFile, substitute, TreeRunner, type HostResult } from "../../../engine/process/index.ts";
import { agentBundle } from "./bundle.ts";

/** Where one node's agent is: its Node.js runtime and its bundle. */
export interface DeployedAgent {
  readonly node: string;
  readonly agent: string;
  readonly broadcast: "sent" | "skipped";
}

const MAJOR = process.versions.node.split(".")[0];

const why = (r: HostResult | undefined): string => (r ? `${r.status}: ${(r.stderr.trim() || r.error || `exit ${r.exitCode}`).split("\n")[0]}` : "no answer");

/**
 * Ships the agent to `hosts` as on Grid'5000, with the engine's broadcast
 * (sha256-checked; a host already holding the file is skipped): the bundle
 * into the run's directory `runDir` (`{{host}}` substituted), and this
 * process's Node.js runtime into `workDir` on the nodes whose own `node` is
 * missing or of another major version. Per node: where its agent is, or why
 * it cannot start.
 */
export async function deployAgent(hosting: AgentHosting, hosts: readonly Host[], runDir: string, timeout: Seconds): Promise<Map<string, DeployedAgent | string>> {
  const { runner, workDir } = hosting;
  const out = new Map<string, DeployedAgent | string>();
  const ready: Host[] = [];
  await Promise.all(hosts.map(async (h) => {
    const made = await runner.exec(h, 0, { argv: ["mkdir", "-p", runDir], timeout: 30 });
    if (made.status !== "ok") return void out.set(h.name, `its run directory: ${why(made)}`);
    const probe = await runner.exec(h, 0, { argv: ["node", "--version"], timeout: 30 });
    const own = probe.status === "ok" && probe.stdout.trim().replace(/^v/, "").split(".")[0] === MAJOR;
    out.set(h.name, { node: own ? "node" : `${substitute([workDir], h, 0)[0]}/node-${process.version}`, agent: "", broadcast: "sent" });
    ready.push(h);
  }));
  const tree = new TreeRunner(runner);
  const needRuntime = ready.filter((h) => (out.get(h.name) as DeployedAgent).node !== "node");
  if (needRuntime.length > 0) {
    const dest = `${workDir}/node-${process.version}`;
    const sent = await broadcastFile(tree, process.execPath, needRuntime, dest, { timeout });
    const chmod = await Promise.all(needRuntime.map((h) => runner.exec(h, 0, { argv: ["chmod", "+x", dest], timeout: 30 })));
    for (const [i, h] of needRuntime.entries()) {
      const r = sent.results.find((x) => x.host === h.name);
      if (r?.status !== "ok" || chmod[i].status !== "ok") out.set(h.name, `Node.js runtime not delivered: ${why(r?.status !== "ok" ? r : chmod[i])}`);
    }
  }
  const targets = ready.filter((h) => typeof out.get(h.name) !== "string");
  if (targets.length === 0) return out;
  const bundle = await agentBundle();
  const dest = `${runDir}/dvms-agent.mjs`;
  const sent = await broadcastFile(tree, bundle, targets, dest, { timeout });
  for (const h of targets) {
    const r = sent.results.find((x) => x.host === h.name);
    const node = (out.get(h.name) as DeployedAgent).node;
    out.set(h.name, r?.status === "ok" ? { node, agent: substitute([dest], h, 0)[0], broadcast: sent.skipped.includes(h.name) ? "skipped" : "sent" } : `agent not delivered: ${why(r)}`);
  }
  return out;
}
