import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { cpioArchive, type CpioEntry } from "./cpio.ts";
import { INIT, INITTAB, LOAD_HELPER } from "./init-scripts.ts";

/** Where the built guest lives; the key pair authorised in guests lives beside it. */
export interface GuestImage {
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  /** Private key (OpenSSH format) that logs in as root on every guest. Never archived. */
  readonly keyFile: string;
  readonly kernelVersion: string;
  /** The VMs' disk: a small qcow2 (an ext4 file system the guest mounts at /disk), the backing file of every VM's overlay. */
  readonly disk: string;
  /** Its virtual size: every overlay has the same, or a live migration could not mirror it. */
  readonly diskBytes: number;
}

/** virtio NIC and disk drivers, ext4 and the crc32c it loads at mount (for the disk); their dependencies are found in the modules' own `depends=` field. */
const GUEST_MODULES = ["virtio_pci", "virtio_net", "virtio_blk", "ext4", "crc32c_generic"];
const GUEST_BINARIES = ["/usr/bin/stress-ng", "/usr/sbin/dropbear"];
/** Small on purpose: the base is sent to every node, and each VM writes only its own blocks into its overlay. */
const DISK_BYTES = 64 * 1024 * 1024;
const RECIPE = createHash("sha256").update(JSON.stringify([INIT, INITTAB, LOAD_HELPER, GUEST_MODULES, GUEST_BINARIES, DISK_BYTES, 2])).digest("hex").slice(0, 16);

export function cacheRoot(): string {
  return process.env.G5K_FLOW_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "g5k-flow");
}

/** Where guest images are cached: `guest-<recipe>`, so checkouts of different recipes never rebuild (and delete) each other's image. */
export const guestCachePrefix = (): string => join(cacheRoot(), "guest");
const defaultDir = (): string => `${guestCachePrefix()}-${RECIPE}`;

function imageAt(dir: string, kernelVersion: string): GuestImage {
  return {
    dir, kernel: join(dir, "vmlinux"), initrd: join(dir, "initramfs.img"), keyFile: join(dir, "id_ed25519"), kernelVersion,
    disk: join(dir, "base.qcow2"), diskBytes: DISK_BYTES,
  };
}

/** The cached guest image if it was built by this recipe, else null. */
export async function cachedGuestImage(dir = defaultDir()): Promise<GuestImage | null> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as { recipe: string; kernelVersion: string };
    return manifest.recipe === RECIPE ? imageAt(dir, manifest.kernelVersion) : null;
  } catch {
    return null;
  }
}

/** Builds the guest image once (kernel + busybox initramfs with stress-ng and dropbear, and the base disk); reuses the cache after. */
export async function buildGuestImage(log: (m: string) => void, dir = defaultDir()): Promise<GuestImage> {
  const cached = await cachedGuestImage(dir);
  if (cached) return cached;
  await mkdir(join(dir, ".."), { recursive: true });
  const work = await mkdtemp(`${dir}.build-`);
  try {
    log("guest image: downloading the Debian kernel");
    const { version, root } = await fetchKernel(work);
    log(`guest image: kernel ${version}, extracting vmlinux`);
    await extractVmlinux(join(root, "boot", `vmlinuz-${version}`), join(work, "vmlinux"));
    await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "g5k-flow-guest", "-f", join(work, "id_ed25519")]);
    await execa("dropbearkey", ["-t", "ed25519", "-f", join(work, "host_key")]);
    log("guest image: assembling the initramfs");
    const entries = await initramfsEntries(root, version, work);
    await writeFile(join(work, "initramfs.img"), cpioArchive(entries));
    log("guest image: making the base disk");
    await baseDisk(work, version);
    for (const f of await readdir(work)) if (f === "root" || f.endsWith(".deb")) await rm(join(work, f), { recursive: true, force: true });
    await rm(join(work, "host_key"), { force: true });
    await writeFile(join(work, "manifest.json"), JSON.stringify({ recipe: RECIPE, kernelVersion: version }, null, 2));
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
    log(`guest image: built in ${dir}`);
    return imageAt(dir, version);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/** `apt-get download linux-image-amd64` is a metapackage: follow its Depends to the real image and unpack it. */
async function fetchKernel(work: string): Promise<{ version: string; root: string }> {
  const meta = await aptDownload("linux-image-amd64", work);
  const depends = (await execa("dpkg-deb", ["-f", meta, "Depends"])).stdout;
  const real = /linux-image-[0-9][^\s,(]*/.exec(depends)?.[0];
  if (!real) throw new Error(`cannot find the kernel package in '${depends}'`);
  const deb = await aptDownload(real, work);
  const root = join(work, "root");
  await execa("dpkg", ["-x", deb, root]);
  return { version: real.replace(/^linux-image-/, ""), root };
}

async function aptDownload(pkg: string, work: string): Promise<string> {
  await execa("apt-get", ["download", "-q", pkg], { cwd: work });
  const deb = (await readdir(work)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb`);
  return join(work, deb);
}

/**
 * The base disk: an ext4 file system (no journal, no metadata checksums: the
 * guest's modules need no crc32c) holding a label file, made from a
 * directory by `mke2fs -d` (no mount, no loop device) and converted to
 * qcow2, so it occupies on disk only the blocks written.
 */
async function baseDisk(work: string, kernelVersion: string): Promise<void> {
  const tree = join(work, "disk-tree");
  await mkdir(join(tree, "etc"), { recursive: true });
  await writeFile(join(tree, "etc", "g5k-image"), `g5k-flow guest disk, recipe ${RECIPE}, kernel ${kernelVersion}\n`);
  const raw = join(work, "base.raw");
  await execa("mke2fs", ["-q", "-F", "-t", "ext4", "-O", "^has_journal,^metadata_csum", "-L", "g5k-disk", "-d", tree, raw, `${DISK_BYTES / 1024}k`]);
  await execa("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, join(work, "base.qcow2")]);
  await rm(tree, { recursive: true, force: true });
  await rm(raw, { force: true });
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** An uncompressed ELF vmlinux boots in half the time of the bzImage under TCG (no decompression in emulation). */
async function extractVmlinux(bzImage: string, out: string): Promise<void> {
  const data = await readFile(bzImage);
  const formats: Array<[Buffer, string[]]> = [
    [XZ_MAGIC, ["xz", "-dc", "--single-stream"]],
    [ZSTD_MAGIC, ["zstd", "-dc"]],
    [GZIP_MAGIC, ["gzip", "-dc"]],
  ];
  for (const [magic, [cmd, ...args]] of formats) {
    const at = data.indexOf(magic);
    if (at < 0) continue;
    const result = await execa(cmd, args, { input: data.subarray(at), encoding: "buffer", reject: false });
    const elf = Buffer.from(result.stdout);
    if (elf.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
      await writeFile(out, elf);
      return;
    }
  }
  throw new Error(`no compressed ELF kernel found in ${bzImage}`);
}

/** Modules in load order: dependencies (from each module's `depends=` modinfo string) first. */
async function moduleOrder(moduleRoot: string, wanted: readonly string[]): Promise<Array<{ name: string; path: string }>> {
  const all = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.name.endsWith(".ko")) all.set(e.name.slice(0, -3).replace(/-/g, "_"), join(d, e.name));
    }
  };
  await walk(join(moduleRoot, "kernel"));
  const order: Array<{ name: string; path: string }> = [];
  const seen = new Set<string>();
  const visit = async (name: string): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const path = all.get(name);
    if (!path) throw new Error(`kernel module ${name} not found`);
    const info = (await readFile(path)).toString("latin1");
    const deps = /\0depends=([^\0]*)\0/.exec(info)?.[1] ?? "";
    for (const dep of deps.split(",").filter(Boolean)) await visit(dep.replace(/-/g, "_"));
    order.push({ name, path });
  };
  for (const m of wanted) await visit(m);
  return order;
}

/** Shared libraries of a binary as ldd resolves them on this machine (the guest runs the host's Debian userland). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa("ldd", [binary]);
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

async function initramfsEntries(kernelRoot: string, version: string, work: string): Promise<CpioEntry[]> {
  const entries = new Map<string, CpioEntry>();
  const dirOf = (p: string): void => {
    const parts = p.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const d = "/" + parts.slice(0, i).join("/");
      if (!entries.has(d)) entries.set(d, { kind: "dir", path: d, mode: d === "/root" ? 0o700 : 0o755 });
    }
  };
  const file = (path: string, data: Uint8Array, mode = 0o644): void => {
    dirOf(path);
    entries.set(path, { kind: "file", path, data, mode });
  };
  for (const d of ["/proc", "/sys", "/dev", "/tmp", "/run", "/root/.ssh", "/var/log", "/sbin", "/usr/bin", "/usr/sbin"]) {
    dirOf(d + "/x");
  }
  entries.set("/dev/console", { kind: "chardev", path: "/dev/console", major: 5, minor: 1 });
  file("/init", Buffer.from(INIT), 0o755);
  file("/etc/inittab", Buffer.from(INITTAB));
  file("/bin/g5k-load", Buffer.from(LOAD_HELPER), 0o755);
  file("/bin/busybox", await readFile("/bin/busybox"), 0o755);
  file("/etc/passwd", Buffer.from("root:x:0:0:root:/root:/bin/sh\n"));
  file("/etc/group", Buffer.from("root:x:0:\ntty:x:5:\n"));
  file("/etc/shells", Buffer.from("/bin/sh\n"));
  file("/root/.ssh/authorized_keys", await readFile(join(work, "id_ed25519.pub")), 0o600);
  file("/etc/dropbear/dropbear_ed25519_host_key", await readFile(join(work, "host_key")), 0o600);
  for (const bin of GUEST_BINARIES) {
    file(bin, await readFile(bin), 0o755);
    for (const lib of await sharedLibraries(bin)) file(lib, await readFile(lib), 0o755);
  }
  const modules = await moduleOrder(join(kernelRoot, "lib", "modules", version), GUEST_MODULES);
  for (const m of modules) file(`/lib/modules/${m.name}.ko`, await readFile(m.path));
  file("/etc/modules.order", Buffer.from(modules.map((m) => m.name).join("\n") + "\n"));
  return [...entries.values()];
}
