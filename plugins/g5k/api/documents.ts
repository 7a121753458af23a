import { z } from "zod";

/**
 * The API's documents, as the g5k-api server renders them (app/controllers,
 * lib/oar/job.rb, app/models/grid5000/deployment.rb). Only the fields the
 * client reads are declared; the rest pass through unread.
 */

const link = z.object({ rel: z.string(), href: z.string(), type: z.string().optional() });

export const collectionOf = <T extends z.ZodType>(item: T) =>
  z.object({ total: z.number(), offset: z.number(), items: z.array(item), links: z.array(link).optional() });

export const siteDoc = z.object({
  uid: z.string(),
  name: z.string().optional(),
  frontend_ip: z.string().optional(),
  /** g5k-subnets range of the site: the /22 blocks jobs get come from it. */
  g5ksubnet: z.object({ network: z.string(), gateway: z.string() }).optional(),
  // Mostly {network, gateway} per VLAN id; nancy also has a free-text 'topo' entry.
  kavlans: z.record(z.string(), z.union([z.object({ network: z.string(), gateway: z.string() }), z.string()])).optional(),
});
export type SiteDoc = z.output<typeof siteDoc>;

export const clusterDoc = z.object({
  uid: z.string(),
  model: z.string().optional(),
  queues: z.array(z.string()).optional(),
  kavlan: z.boolean().optional(),
  exotic: z.boolean().optional(),
});
export type ClusterDoc = z.output<typeof clusterDoc>;

export const networkAdapter = z.object({
  device: z.string(),
  name: z.string().optional(),
  interface: z.string(),
  enabled: z.boolean().optional(),
  mountable: z.boolean().optional(),
  mounted: z.boolean().optional(),
  management: z.boolean().optional(),
  kavlan: z.boolean().optional(),
  mac: z.string().optional(),
  ip: z.string().optional(),
  rate: z.number().optional(),
  network_address: z.string().optional(),
});

export const nodeDoc = z.object({
  uid: z.string(),
  architecture: z.object({ nb_cores: z.number(), nb_procs: z.number(), nb_threads: z.number() }),
  main_memory: z.object({ ram_size: z.number() }),
  network_adapters: z.array(networkAdapter),
  supported_job_types: z.object({
    deploy: z.boolean(),
    besteffort: z.boolean(),
    virtual: z.union([z.string(), z.boolean()]).optional(),
    max_walltime: z.number().optional(),
    queues: z.array(z.string()).optional(),
  }),
  exotic: z.boolean().optional(),
});
export type NodeDoc = z.output<typeof nodeDoc>;

export const jobDoc = z.object({
  uid: z.number(),
  user: z.string().optional(),
  user_uid: z.string().optional(),
  name: z.string().optional(),
  state: z.string(),
  queue: z.string().optional(),
  walltime: z.number().optional(),
  types: z.array(z.string()).optional(),
  command: z.string().optional(),
  properties: z.string().optional(),
  project: z.string().optional(),
  submitted_at: z.number().optional(),
  scheduled_at: z.number().optional(),
  started_at: z.number().optional(),
  stopped_at: z.number().optional(),
  message: z.string().optional(),
  assigned_nodes: z.array(z.string()).optional(),
  resources_by_type: z
    .object({
      cores: z.array(z.string()).optional(),
      // OAR's vlan column is a string; accept numbers too and normalise.
      vlans: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
      subnets: z.array(z.string()).optional(),
    })
    .optional(),
});
export type JobDoc = z.output<typeof jobDoc>;

export const walltimeDoc = z.object({
  uid: z.number().optional(),
  walltime: z.string(),
  possible: z.string(),
  pending: z.string(),
  granted: z.string(),
  force: z.string().optional(),
  delay_next_jobs: z.string().optional(),
});
export type WalltimeDoc = z.output<typeof walltimeDoc>;

export const nodeDeployResult = z.object({
  state: z.enum(["OK", "KO"]),
  macro: z.string().nullish(),
  micro: z.string().nullish(),
});

export const deploymentDoc = z.object({
  uid: z.string(),
  site_uid: z.string().optional(),
  user_uid: z.string().optional(),
  environment: z.string(),
  nodes: z.array(z.string()),
  status: z.enum(["waiting", "processing", "terminated", "error", "canceled"]),
  result: z.record(z.string(), nodeDeployResult).nullish(),
  output: z.string().nullish(),
  vlan: z.union([z.string(), z.number()]).nullish(),
  created_at: z.number().optional(),
  updated_at: z.number().optional(),
});
export type DeploymentDoc = z.output<typeof deploymentDoc>;

export const vlanDoc = z.object({ uid: z.string(), type: z.string() });
export type VlanDoc = z.output<typeof vlanDoc>;

export const vlanNodeDoc = z.object({ uid: z.string(), vlan: z.union([z.string(), z.number()]).transform(String) });

export const vlanAddReply = z.record(z.string(), z.object({ status: z.enum(["success", "failure", "unchanged"]), message: z.string() }));

const reservation = z.object({
  uid: z.number(),
  queue: z.string().optional(),
  state: z.string().optional(),
  walltime: z.number().optional(),
  scheduled_at: z.number().optional(),
  started_at: z.number().optional(),
});

export const nodeStatus = z.object({
  hard: z.string(),
  soft: z.string(),
  free_slots: z.number().optional(),
  freeable_slots: z.number().optional(),
  busy_slots: z.number().optional(),
  reservations: z.array(reservation).optional(),
});
export type NodeStatus = z.output<typeof nodeStatus>;

export const statusDoc = z.object({ nodes: z.record(z.string(), nodeStatus) });
export type StatusDoc = z.output<typeof statusDoc>;

/** A Kadeploy environment of a site's listing (`/sites/{site}/environments`). */
export const environmentDoc = z.object({
  name: z.string(),
  alias: z.string().optional(),
  arch: z.string().optional(),
});
export type EnvironmentDoc = z.output<typeof environmentDoc>;
