import { z } from "zod";

/**
 * `--testbed-opt` keys of the libvirt-over-SSH VM runtime, shared by the
 * testbeds that drive VMs on machines they reach by SSH (g5k, ssh). Values
 * arrive as strings.
 */
const seconds = (def: number) => z.coerce.number().min(1).max(3600).default(def);

export const libvirtOptionShape = {
  /**
   * kvm: the nodes' KVM (real machines); tcg: software emulation; probe: as
   * the local testbed decides, by trying KVM on this machine (for nodes that
   * are this machine's network namespaces).
   */
  accel: z.enum(["kvm", "tcg", "probe"]).default("kvm"),
  /** Where the guest kernel, initramfs and base disk are copied on the nodes (checked by sha256, sent once). */
  imageDir: z.string().regex(/^\/[A-Za-z0-9_./-]*$/, "an absolute path of letters, digits, '_', '.', '/' or '-'").default("/var/tmp/g5k-flow"),
  /**
   * How the image reaches the nodes: `copy`, one SSH stream per node from
   * here; `broadcast`, the engine's relay tree (chain/tree, sha256 skip), whose
   * relays run this checkout's relay program: for nodes that see this
   * checkout at the same path (the stand-in's namespaces, an NFS home).
   */
  imageTransfer: z.enum(["copy", "broadcast"]).default("copy"),
  /** Seconds a guest has to answer SSH after `virsh create`. */
  bootTimeout: seconds(120),
  bootRetries: z.coerce.number().int().min(0).max(5).default(1),
  /** Seconds before an unfinished live migration is aborted. */
  migrateTimeout: seconds(120),
  /** Seconds between CPU polls of the nodes' libvirtd. */
  pollInterval: z.coerce.number().min(0.2).max(60).default(1),
} as const;

const schema = z.object(libvirtOptionShape);
export type LibvirtRuntimeOptions = z.output<typeof schema>;

/** The runtime's options out of a testbed's parsed options (which hold more keys). */
export function libvirtOptions(parsed: LibvirtRuntimeOptions): LibvirtRuntimeOptions {
  const { accel, imageDir, imageTransfer, bootTimeout, bootRetries, migrateTimeout, pollInterval } = parsed;
  return { accel, imageDir, imageTransfer, bootTimeout, bootRetries, migrateTimeout, pollInterval };
}
