import type { Seconds } from "../../engine/cluster.ts";

/** `work`, or an error naming `what` once `limit` seconds have passed (the work itself goes on, unobserved). */
export async function within<T>(work: Promise<T>, limit: Seconds, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${limit} s`)), limit * 1000);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
