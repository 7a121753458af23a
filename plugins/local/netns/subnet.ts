import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { STATE_ROOT, SUBNET_BASE } from "./names.ts";

const CLAIMS = `${STATE_ROOT}/../subnets`;

/** Claims a free 10.77.k.0/24 for a pool; mkdir is atomic, so parallel pools never share one. */
export async function claimSubnet(prefix: string): Promise<number> {
  await mkdir(CLAIMS, { recursive: true });
  for (let k = 1; k < 255; k++) {
    const dir = `${CLAIMS}/${k}`;
    try {
      await mkdir(dir);
    } catch {
      if (await reclaimStale(dir)) k--;
      continue;
    }
    await writeFile(`${dir}/owner`, prefix);
    return k;
  }
  throw new Error(`no free /24 left in ${SUBNET_BASE}.0.0/16`);
}

export async function releaseSubnet(k: number): Promise<void> {
  await rm(`${CLAIMS}/${k}`, { recursive: true, force: true });
}

/** Subnets held by a pool prefix (normally one). */
export async function subnetsOf(prefix: string): Promise<number[]> {
  if (!existsSync(CLAIMS)) return [];
  const out: number[] = [];
  for (const k of await readdir(CLAIMS)) {
    const owner = await readFile(`${CLAIMS}/${k}/owner`, "utf8").catch(() => "");
    if (owner === prefix) out.push(Number(k));
  }
  return out;
}

/** A claim whose owner's state dir is gone was left by a crashed run: free it. */
async function reclaimStale(dir: string): Promise<boolean> {
  const owner = await readFile(`${dir}/owner`, "utf8").catch(() => null);
  if (owner === null || existsSync(`${STATE_ROOT}/${owner}`)) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}
