import { createReadStream } from "node:fs";
import type { Host } from "../../../engine/hosts.ts";
import { broadcastFile, remote, remoteCommand, sha256File, TreeRunner, type SshRunner } from "../../../engine/process/index.ts";
import type { GuestImage } from "./build.ts";
import { TREE_THRESHOLD } from "../provision/provision.ts";

/** The guest image's files as the nodes see them. */
export interface StagedImage {
  readonly kernel: string;
  readonly initrd: string;
  /** The base disk, backing file of every VM's overlay. */
  readonly disk: string;
}

/** Writes stdin to "$1" atomically: a constant script, the path arrives as a positional parameter. */
const RECEIVE = 'mkdir -p "$(dirname "$1")" && cat > "$1.part.$$" && mv -f "$1.part.$$" "$1"';

/** Whether `host` holds `path` with this sha256. */
async function holds(runner: SshRunner, host: Host, path: string, sha256: string): Promise<boolean> {
  const r = await runner.exec(host, 0, { argv: ["sha256sum", path], expectedExit: [0, 1], timeout: 120 });
  return r.status === "ok" && r.stdout.startsWith(`${sha256} `);
}

async function send(runner: SshRunner, host: Host, file: string, path: string, sha256: string): Promise<void> {
  const command = { argv: ["sh", "-c", RECEIVE, "g5k-flow-receive", path], timeout: 600 };
  const r = await runner.execString(host, remoteCommand(command.argv, undefined, command), command, undefined, createReadStream(file));
  if (r.status !== "ok") throw new Error(`copying ${file} to ${host.name}:${path}: ${(r.stderr.trim() || r.error || r.status).split("\n")[0]}`);
  if (!(await holds(runner, host, path, sha256))) throw new Error(`copying ${file} to ${host.name}:${path}: checksum mismatch after the copy`);
}

/**
 * Puts one file on every node under a content-addressed name, sending it
 * only where it is missing. The first missing node is served alone and the
 * others probed again, so nodes sharing a file system (namespaces, NFS)
 * receive it once.
 */
async function stageFile(runner: SshRunner, nodes: readonly Host[], file: string, dir: string, log: (m: string) => void): Promise<string> {
  const sha256 = await sha256File(file);
  const path = stagedPath(dir, file, sha256);
  const missing = async (hosts: readonly Host[]): Promise<Host[]> => {
    const have = await Promise.all(hosts.map((h) => holds(runner, h, path, sha256)));
    return hosts.filter((_, i) => !have[i]);
  };
  const first = await missing(nodes);
  if (first.length === 0) return path;
  await send(runner, first[0]!, file, path, sha256);
  const rest = await missing(first.slice(1));
  await Promise.all(rest.map((h) => send(runner, h, file, path, sha256)));
  log(`guest image: ${file.split("/").at(-1)} copied to ${1 + rest.length} of ${nodes.length} node(s) (${path})`);
  return path;
}

const stagedPath = (dir: string, file: string, sha256: string): string => `${dir}/${sha256.slice(0, 16)}-${file.split("/").at(-1)}`;

/**
 * The same with the engine's broadcast: a relay tree streams the file to all
 * the nodes that lack it (sha256 checked on each, holders skipped). The first
 * node is served alone, so nodes sharing a file system find it in place
 * instead of writing one file together.
 */
async function broadcastStage(runner: SshRunner, nodes: readonly Host[], file: string, dir: string, log: (m: string) => void): Promise<string> {
  const path = stagedPath(dir, file, await sha256File(file));
  const tree = new TreeRunner(runner);
  await remote({ argv: ["mkdir", "-p", dir], timeout: 60 }, nodes, nodes.length > TREE_THRESHOLD ? tree : runner).run();
  const first = await broadcastFile(tree, file, nodes.slice(0, 1), path, { timeout: 600 });
  const rest = await broadcastFile(tree, file, nodes.slice(1), path, { timeout: 600 });
  const failed = [...first.results, ...rest.results].filter((r) => r.status !== "ok");
  if (failed.length) throw new Error(`broadcasting ${file}: failed on ${failed.map((r) => `${r.host} (${(r.error ?? r.stderr.trim()) || r.status})`).join(", ")}`);
  const skipped = first.skipped.length + rest.skipped.length;
  log(`guest image: ${file.split("/").at(-1)} broadcast to ${nodes.length - skipped} of ${nodes.length} node(s), ${skipped} already held it (${path})`);
  return path;
}

/** Copies (or broadcasts) the guest kernel, initramfs and base disk to `dir` on the nodes (those already holding them are skipped): once per node, whatever the number of VMs. */
export async function stageGuestImage(runner: SshRunner, nodes: readonly Host[], image: GuestImage, dir: string, log: (m: string) => void, transfer: "copy" | "broadcast" = "copy"): Promise<StagedImage> {
  const stage = transfer === "broadcast" ? broadcastStage : stageFile;
  const kernel = await stage(runner, nodes, image.kernel, dir, log);
  const initrd = await stage(runner, nodes, image.initrd, dir, log);
  const disk = await stage(runner, nodes, image.disk, dir, log);
  return { kernel, initrd, disk };
}
