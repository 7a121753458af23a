import { execa } from "execa";
import { buildGuestImage, chooseAccel, type AccelChoice, type GuestImage } from "../libvirt/index.ts";

/**
 * Debian packages of the local testbed. Not libvirt-daemon-system: it pulls
 * systemd-sysv, and each node runs its own libvirtd anyway.
 */
export const LOCAL_PACKAGES = [
  "qemu-system-x86", "qemu-utils", "openssh-server", "openssh-client", "libvirt-daemon", "libvirt-daemon-driver-qemu",
  "libvirt-clients", "busybox-static", "stress-ng", "dropbear-bin", "iproute2", "iputils-ping", "xz-utils", "util-linux", "e2fsprogs",
] as const;

async function missingPackages(packages: readonly string[]): Promise<string[]> {
  const r = await execa("dpkg-query", ["-W", "-f", "${Package} ${Status}\n", ...packages], { reject: false });
  const installed = new Set(r.stdout.split("\n").filter((l) => l.endsWith(" installed")).map((l) => l.split(" ")[0]));
  return packages.filter((p) => !installed.has(p));
}

/** Installs the Debian packages not installed yet (idempotent); returns those it installed. */
export async function ensurePackages(packages: readonly string[], log: (message: string) => void): Promise<string[]> {
  const missing = await missingPackages(packages);
  if (missing.length > 0) {
    log(`installing ${missing.join(" ")}`);
    const install = () => execa("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env: { DEBIAN_FRONTEND: "noninteractive" }, reject: false });
    if ((await install()).exitCode !== 0) {
      await execa("apt-get", ["update"]); // package lists may be stale or absent on a fresh machine
      const r = await install();
      if (r.exitCode !== 0) throw new Error(`apt-get install failed: ${r.stderr.trim().split("\n").pop()}`);
    }
  }
  return missing;
}

/** libvirt's qemu driver expects its system user even when told to run guests as root. */
async function ensureLibvirtUser(): Promise<void> {
  if ((await execa("id", ["libvirt-qemu"], { reject: false })).exitCode === 0) return;
  await execa("useradd", ["--system", "--no-create-home", "--home-dir", "/var/lib/libvirt", "--shell", "/usr/sbin/nologin", "libvirt-qemu"]);
}

export interface LocalSetup {
  readonly image: GuestImage;
  readonly accel: AccelChoice;
  readonly installed: readonly string[];
}

/** `g5k-flow testbed setup local`: packages (idempotent), libvirt's user, the cached guest image, the KVM probe. */
export async function setupLocalTestbed(log: (message: string) => void = () => undefined): Promise<LocalSetup> {
  if (process.getuid?.() !== 0) throw new Error("the local testbed needs root (namespaces, bridges, libvirtd)");
  const missing = await ensurePackages(LOCAL_PACKAGES, log);
  await ensureLibvirtUser();
  const image = await buildGuestImage(log);
  const accel = await chooseAccel(image);
  log(`accelerator: ${accel.accel} (${accel.reason})`);
  return { image, accel, installed: missing };
}
