import { constants } from "node:fs";
import { access, readFile, writeFile } from "node:fs/promises";
import { release } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { cacheRoot, type GuestImage } from "./guest/build.ts";

export type Accel = "kvm" | "tcg";

export interface AccelChoice {
  readonly accel: Accel;
  /** Why, in one line (shown once per run). */
  readonly reason: string;
}

/**
 * Whether KVM can really run the guest kernel. /dev/kvm existing is not
 * enough: under nested PVM it opens fine and then hangs a stock kernel. So
 * boot the guest kernel without a root file system: reaching the kernel's
 * "VFS: Unable to mount root" panic (well under a second on KVM) proves it.
 */
async function probeKvm(image: GuestImage): Promise<AccelChoice> {
  try {
    await access("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    return { accel: "tcg", reason: "no usable /dev/kvm" };
  }
  const r = await execa(
    "qemu-system-x86_64",
    ["-accel", "kvm", "-m", "128", "-nographic", "-no-reboot", "-nic", "none", "-kernel", image.kernel, "-append", "console=ttyS0 panic=-1 loglevel=3"],
    { reject: false, timeout: 8000, all: true },
  );
  const output = String(r.all ?? "");
  if (/Kernel panic|VFS: Unable to mount root/.test(output)) return { accel: "kvm", reason: "KVM boots the guest kernel" };
  return { accel: "tcg", reason: r.timedOut ? "/dev/kvm present but the guest kernel hangs under KVM (nested virtualisation)" : "KVM refused to start the guest" };
}

/** The probe is cached per host kernel and guest kernel: it costs 8 s where KVM hangs. */
export async function chooseAccel(image: GuestImage, forced?: string): Promise<AccelChoice> {
  if (forced === "kvm" || forced === "tcg") return { accel: forced, reason: "forced by the accel option" };
  const file = join(cacheRoot(), "accel.json");
  const key = `${release()}|${image.kernelVersion}`;
  const cached = await readFile(file, "utf8").then((t) => JSON.parse(t) as { key: string; choice: AccelChoice }).catch(() => null);
  if (cached?.key === key) return cached.choice;
  const choice = await probeKvm(image);
  await writeFile(file, JSON.stringify({ key, choice }, null, 2));
  return choice;
}
