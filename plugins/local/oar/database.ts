import { randomBytes } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import { execa } from "execa";
import { sh } from "../netns/index.ts";
import { oarConfValue, setOarConf } from "./config.ts";
import { OAR_STATE, PG_CLUSTER, PG_PORT } from "./names.ts";

/** The installed PostgreSQL major version (15 on Debian 12). */
async function pgVersion(): Promise<string> {
  const versions = (await readdir("/usr/lib/postgresql")).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b));
  const last = versions.at(-1);
  if (!last) throw new Error("PostgreSQL is not installed (/usr/lib/postgresql is empty)");
  return last;
}

/** psql as the postgres superuser over the cluster's socket (peer authentication, no password). */
const psql = (sql: string): Promise<string> => sh("runuser", ["-u", "postgres", "--", "psql", "-p", String(PG_PORT), "-Atqc", sql]);

const secret = (): string => randomBytes(12).toString("hex");

/**
 * OAR's database on a private PostgreSQL cluster: created once, started
 * every time (no systemd here: pg_ctlcluster starts it directly).
 */
export async function ensureDatabase(log: (message: string) => void): Promise<void> {
  const version = await pgVersion();
  const clusters = await sh("pg_lsclusters", ["-h"]);
  if (!clusters.split("\n").some((line) => line.split(/\s+/)[1] === PG_CLUSTER)) {
    log(`creating PostgreSQL cluster ${PG_CLUSTER} on port ${PG_PORT}`);
    await mkdir(OAR_STATE, { recursive: true });
    await sh("pg_createcluster", [version, PG_CLUSTER, "-p", String(PG_PORT), "-d", `${OAR_STATE}/pgdata`]);
  }
  const status = await sh("pg_lsclusters", ["-h"]);
  if (!status.split("\n").some((line) => line.split(/\s+/)[1] === PG_CLUSTER && line.includes("online"))) {
    await sh("pg_ctlcluster", [version, PG_CLUSTER, "start"]);
  }
  // passwords generated here once, kept in oar.conf (readable by root and oar only)
  const rw = (await oarConfValue("DB_BASE_PASSWD")) || secret();
  const ro = (await oarConfValue("DB_BASE_PASSWD_RO")) || secret();
  await setOarConf({ DB_HOSTNAME: "127.0.0.1", DB_PORT: String(PG_PORT), DB_BASE_PASSWD: rw, DB_BASE_PASSWD_RO: ro });
  if ((await psql("SELECT 1 FROM pg_database WHERE datname = 'oar'")) === "1") return;
  log("creating OAR's database");
  // oar-database connects over TCP as an admin with a password (--db-is-local ignores the port)
  const admin = secret();
  await psql(`ALTER ROLE postgres PASSWORD '${admin}'`);
  const r = await execa("oar-database", ["--create", "--db-admin-user=postgres", `--db-admin-pass=${admin}`, "-y"], { reject: false });
  await psql("ALTER ROLE postgres PASSWORD NULL");
  if (r.exitCode !== 0) throw new Error(`oar-database --create failed: ${r.stderr.trim().split("\n").pop() ?? r.exitCode}`);
}

/** Stops and deletes the cluster with OAR's database (teardown). */
export async function dropDatabase(log: (message: string) => void): Promise<void> {
  const clusters = await sh("pg_lsclusters", ["-h"]).catch(() => "");
  if (!clusters.split("\n").some((line) => line.split(/\s+/)[1] === PG_CLUSTER)) return;
  log(`dropping PostgreSQL cluster ${PG_CLUSTER}`);
  await sh("pg_dropcluster", ["--stop", await pgVersion(), PG_CLUSTER]);
}
