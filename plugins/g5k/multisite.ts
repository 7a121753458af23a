import { UsageError } from "../../engine/errors.ts";
import type { JobDoc } from "./api/documents.ts";
import type { JobRef, JobSubmission, JobsApi } from "./api/jobs.ts";

export interface SiteSubmission {
  readonly site: string;
  readonly submission: JobSubmission;
}

/**
 * One OAR job per site, all with the same name, all or nothing: if a site
 * rejects its job, the jobs already accepted elsewhere are deleted before
 * the error propagates, so a failed multi-site reservation holds nothing.
 */
export async function submitAllOrNothing(
  jobs: JobsApi,
  submissions: readonly SiteSubmission[],
  signal?: AbortSignal,
  log?: (message: string) => void,
): Promise<JobRef[]> {
  const accepted: JobRef[] = [];
  for (const { site, submission } of submissions) {
    try {
      accepted.push(await jobs.submit(site, submission, signal));
      log?.(`g5k: job '${submission.name}' submitted on ${site} (${accepted.at(-1)?.uid})`);
    } catch (error) {
      const cleanup = await deleteAll(jobs, accepted);
      const note = accepted.length ? `; cleaned up ${cleanup}` : "";
      throw new Error(`${(error as Error).message}${note}`, { cause: error });
    }
  }
  return accepted;
}

/** Deletes jobs, carrying on past failures; returns a one-line account. */
export async function deleteAll(jobs: JobsApi, refs: readonly JobRef[]): Promise<string> {
  const outcomes = await Promise.all(
    refs.map(async (ref) => {
      try {
        await jobs.delete(ref);
        return `deleted ${ref.site}/${ref.uid}`;
      } catch (error) {
        return `could not delete ${ref.site}/${ref.uid} (${(error as Error).message})`;
      }
    }),
  );
  return outcomes.join(", ");
}

/**
 * Finds the live jobs named `name` on every site, to reattach after a
 * restart, leaving out those `skip` says are taken. Either every site has
 * exactly one, or none has any; anything else is ambiguous and left to the user.
 */
export async function findJobsByName(
  jobs: JobsApi,
  sites: readonly string[],
  name: string,
  user: string | undefined,
  signal?: AbortSignal,
  skip: (ref: JobRef) => boolean = () => false,
): Promise<JobRef[]> {
  const found = await Promise.all(
    sites.map(async (site) => ({ site, jobs: (await jobs.findByName(site, name, user, signal)).filter((job) => !skip({ site, uid: job.uid })) })),
  );
  const duplicated = found.filter((f) => f.jobs.length > 1);
  if (duplicated.length) {
    const list = duplicated.map((f) => `${f.site}: ${f.jobs.map((j: JobDoc) => j.uid).join(", ")}`).join("; ");
    throw new UsageError(`g5k: several live jobs named '${name}' (${list}): delete the extra ones or pick another job name`);
  }
  const present = found.filter((f) => f.jobs.length === 1);
  if (present.length && present.length < sites.length) {
    const missing = found.filter((f) => f.jobs.length === 0).map((f) => f.site);
    throw new UsageError(`g5k: job '${name}' exists on ${present.map((f) => f.site).join(", ")} but not on ${missing.join(", ")}: delete it or pick another job name`);
  }
  return present.map((f) => ({ site: f.site, uid: f.jobs[0]!.uid }));
}
