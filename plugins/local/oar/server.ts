import { execa } from "execa";
import { rm } from "node:fs/promises";
import { findProcesses, killAll, sh } from "../netns/index.ts";
import { ensurePackages } from "../setup.ts";
import { configureApache, editFile, setOarConf } from "./config.ts";
import { dropDatabase, ensureDatabase } from "./database.ts";
import { JOB_USER, OAR_API, OAR_PACKAGES, OAR_RUN, OAR_STATE } from "./names.ts";
import { createOarNodes, destroyOarNodes, liveOarNodes, type OarNode } from "./nodes.ts";
import { registerNodes } from "./resources.ts";

type Log = (message: string) => void;

/** No systemd in containers: the init scripts run directly, told to ignore policy-rc.d. */
const initScript = (name: string, verb: "start" | "stop") =>
  execa(`/etc/init.d/${name}`, [verb], { reject: false, env: { OAR_SERVER_FORCE_START_STOP: "1" } });

/** Nodes OAR gets: enough for a few reservations and worker jobs at once on 2 cores. */
export const OAR_NODES = 4;

async function ensureJobUser(): Promise<void> {
  if ((await execa("id", [JOB_USER], { reject: false })).exitCode === 0) return;
  await sh("useradd", ["--create-home", "--home-dir", `${OAR_STATE}/home`, "--shell", "/bin/bash", JOB_USER]);
}

/** True when the REST API answers (as the job user). */
export async function oarApiUp(): Promise<boolean> {
  try {
    const r = await fetch(`${OAR_API}/resources.json`, { headers: { "X-REMOTE-IDENT": JOB_USER }, signal: AbortSignal.timeout(10_000) });
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * `testbed setup local --oar`: a real OAR 2.5.9 server from Debian on
 * PostgreSQL, its REST API, and node namespaces registered as its
 * resources. Idempotent: what is up stays up.
 */
export async function setupOar(log: Log): Promise<readonly OarNode[]> {
  await ensurePackages(OAR_PACKAGES, log);
  await ensureDatabase(log);
  let nodes = await liveOarNodes();
  if (!nodes) {
    log(`starting ${OAR_NODES} OAR node namespaces`);
    const created = await createOarNodes(OAR_NODES);
    nodes = created.nodes;
    // nodes reach the server (Almighty's port 6666) on their bridge
    await setOarConf({ SERVER_HOSTNAME: created.serverAddress });
  }
  // no cpusets or cgroups in a container: the job resource manager must not need them
  await editFile("/etc/oar/oar.conf", [[/^JOB_RESOURCE_MANAGER_PROPERTY_DB_FIELD=/m, "#JOB_RESOURCE_MANAGER_PROPERTY_DB_FIELD="]]);
  await initScript("oar-server", "stop");
  const started = await initScript("oar-server", "start");
  if (started.exitCode !== 0) throw new Error(`oar-server did not start: ${started.stderr.trim() || started.stdout.trim()}`);
  await registerNodes(nodes);
  await ensureJobUser();
  await configureApache();
  await sh("a2enmod", ["-q", "cgi", "headers", "rewrite", "suexec"]);
  await sh("a2enconf", ["-q", "oar-restful-api"]);
  if (!(await oarApiUp())) {
    await execa("apachectl", ["stop"], { reject: false });
    await sh("apachectl", ["start"]);
  }
  for (let i = 0; i < 50 && !(await oarApiUp()); i++) await new Promise((r) => setTimeout(r, 200));
  if (!(await oarApiUp())) throw new Error(`OAR's REST API does not answer at ${OAR_API}`);
  log(`OAR up: ${nodes.length} nodes (${nodes.map((n) => n.address).join(", ")}), REST API at ${OAR_API}`);
  return nodes;
}

/** OAR's server processes (Almighty and its modules) and Apache's. */
async function daemons(): Promise<number[]> {
  const found = await findProcesses((argv) => argv.some((a) => a.startsWith("/usr/lib/oar/") || a === "/usr/sbin/apache2"));
  return found.map((p) => p.pid);
}

/**
 * `testbed down local --oar`: OAR's server, its REST API's Apache, the node
 * namespaces, the database cluster and the job user are removed; the Debian
 * packages stay installed (as `testbed down local` keeps qemu).
 */
export async function teardownOar(log: Log): Promise<void> {
  log("stopping OAR's server and REST API");
  await initScript("oar-server", "stop");
  await execa("apachectl", ["stop"], { reject: false });
  await killAll(await daemons(), 3000);
  await destroyOarNodes();
  await dropDatabase(log);
  if ((await execa("id", [JOB_USER], { reject: false })).exitCode === 0) {
    const left = await execa("pgrep", ["-u", JOB_USER], { reject: false });
    await killAll(left.stdout.split("\n").filter(Boolean).map(Number));
    await sh("userdel", ["--remove", JOB_USER]).catch(() => undefined);
  }
  await rm(OAR_RUN, { recursive: true, force: true });
  await rm(OAR_STATE, { recursive: true, force: true });
}
