import { createCipheriv, createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { once } from "node:events";

/** Writes `mib` MiB of seeded pseudo-random bytes (an AES-CTR keystream: same seed, same file; fast). */
export async function writeSeededFile(path: string, mib: number, seed: number): Promise<void> {
  const key = createHash("sha256").update(`g5k-flow-${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  const out = createWriteStream(path);
  for (let m = 0; m < mib; m++) {
    if (!out.write(cipher.update(zeros))) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
