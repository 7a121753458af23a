/** Where and under which names the local OAR server lives (one per machine, shared by every run). */

/** PostgreSQL cluster of OAR's database: a private one, so the distribution's `main` cluster is left alone. */
export const PG_CLUSTER = "g5kflow-oar";
export const PG_PORT = 5499;
/** Persistent state: the database files. */
export const OAR_STATE = "/var/lib/g5k-flow/oar";
/** Run-time state: which node namespaces are up (tmpfs, gone after a reboot like the namespaces). */
export const OAR_RUN = "/run/g5k-flow/oar";
/** Prefix of the node namespaces registered as OAR resources (netns/names.ts rules). */
export const NODE_PREFIX = "oarn";
/** The account jobs run as and OAR's REST API on loopback (Apache, port 16668): where the engine's OAR client looks. */
export { LOCAL_OAR_USER as JOB_USER, LOCAL_OAR_API as OAR_API } from "../../../engine/batch/oar-api.ts";

export const OAR_PACKAGES = [
  "oar-server", "oar-server-pgsql", "oar-user", "oar-user-pgsql", "oar-node", "oar-restful-api",
  "apache2-suexec-custom", "postgresql",
] as const;
