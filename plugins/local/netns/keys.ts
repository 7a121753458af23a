import { readFile } from "node:fs/promises";
import { sh } from "./run.ts";

/** Generates an ed25519 key pair (no passphrase) and returns the public key line. */
export async function generateKey(path: string, comment: string): Promise<string> {
  await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return (await readFile(`${path}.pub`, "utf8")).trim();
}
