import { OarApi } from "../../../engine/batch/oar-api.ts";
import type { StepContext } from "../../../engine/testbed.ts";
import { OAR_API, OAR_STATE, JOB_USER } from "./names.ts";

/** An OAR job holding the nodes of one local reservation. */
export interface OarHold {
  readonly id: number;
  /** Network addresses OAR assigned (its resources: the `oarn` namespaces). */
  readonly addresses: readonly string[];
  /** Ends the job (Terminated when it stops on request, see OarApi.end) and resolves with its final state. */
  end(): Promise<string>;
}

/**
 * `--testbed-opt reservation=oar`: the run's nodes are granted by a real OAR
 * job, submitted through OAR's REST API and waited for (back-off polling);
 * the job holds its OAR nodes until the run releases it.
 */
export async function holdThroughOar(
  request: { readonly prefix: string; readonly nodes: number; readonly walltime: number; readonly properties: string },
  ctx: StepContext,
): Promise<OarHold> {
  const api = new OarApi({ url: OAR_API, user: JOB_USER });
  const id = await api.submit({
    name: `g5k-flow-${request.prefix}`,
    nodes: request.nodes,
    walltime: request.walltime,
    properties: request.properties || undefined,
    directory: `${OAR_STATE}/home`,
  }, ctx.signal);
  ctx.journal({ event: "oar-submitted", job: id, nodes: request.nodes, walltime: request.walltime, properties: request.properties });
  const end = async (): Promise<string> => (await api.end(id)).state;
  try {
    await api.waitRunning(id, ctx.signal, (job, delay) => ctx.log(`OAR job ${id} ${job.state.toLowerCase()}, next look in ${delay} s`));
    const addresses = await api.nodes(id, ctx.signal);
    ctx.log(`OAR job ${id} running on ${addresses.join(", ")}`);
    return { id, addresses, end };
  } catch (error) {
    await end().catch(() => undefined); // interrupted or refused while waiting: the job must not stay queued
    throw error;
  }
}
