import { defaultBackoff } from "../../../engine/batch/clock.ts";
import type { BackoffPolicy } from "../../../engine/batch/clock.ts";
import { DeploymentsApi } from "./deployments.ts";
import { G5kHttp } from "./http.ts";
import type { HttpInit } from "./http.ts";
import { JobsApi } from "./jobs.ts";
import { KavlanApi } from "./kavlan.ts";
import { ReferenceApi } from "./reference.ts";
import { StatusApi } from "./status.ts";

export interface ClientInit extends HttpInit {
  readonly backoff?: BackoffPolicy;
}

/** The Grid'5000 REST API, one object per concern, all over one HTTP layer. */
export class G5kClient {
  readonly http: G5kHttp;
  readonly reference: ReferenceApi;
  readonly jobs: JobsApi;
  readonly deployments: DeploymentsApi;
  readonly kavlan: KavlanApi;
  readonly status: StatusApi;

  constructor(init: ClientInit) {
    const backoff = init.backoff ?? defaultBackoff;
    this.http = new G5kHttp(init);
    this.reference = new ReferenceApi(this.http);
    this.jobs = new JobsApi(this.http, backoff);
    this.deployments = new DeploymentsApi(this.http, backoff);
    this.kavlan = new KavlanApi(this.http);
    this.status = new StatusApi(this.http);
  }
}
