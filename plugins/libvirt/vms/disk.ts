import { esc } from "./domain-xml.ts";

/**
 * Every VM's disk is a qcow2 overlay whose backing file is the guest's base
 * disk, sent once per node: 10,000 VMs never need 10,000 copies, only the
 * blocks each one writes. The overlays are volumes of a libvirt directory
 * pool in the node's libvirt state, created by the node's own libvirtd
 * (libvirt runs `qemu-img create -f qcow2 -b <base> -F qcow2 <overlay>`):
 * there the qemu processes see them, even where the nodes' libvirt state is
 * a private mount (docs/testbeds.md), and a live migration's source can
 * create the destination's overlay over libvirt's TCP listener, which DVMS
 * agents need as much as this process.
 */
export const OVERLAY_POOL = "g5k-flow";
/** The pool's directory on each node (inside the node's libvirt state). */
export const OVERLAY_DIR = "/var/lib/libvirt/images/g5k-flow";

export const overlayName = (vm: string): string => `${vm}.qcow2`;
export const overlayPath = (vm: string): string => `${OVERLAY_DIR}/${overlayName(vm)}`;

/** The base disk as the nodes see it, and the virtual size every overlay takes from it. */
export interface BaseDisk {
  readonly path: string;
  readonly bytes: number;
}

/** libvirt's description of a VM's overlay volume. */
export function overlayVolumeXml(vm: string, base: BaseDisk): string {
  return `<volume>
  <name>${esc(overlayName(vm))}</name>
  <capacity unit='bytes'>${base.bytes}</capacity>
  <target><format type='qcow2'/><compat>1.1</compat></target>
  <backingStore><path>${esc(base.path)}</path><format type='qcow2'/></backingStore>
</volume>
`;
}

/** $1: the libvirt URI; $2: the pool; $3: its directory. Defines, builds and starts the pool where it is not running. */
export const ENSURE_POOL = [
  'uri=$1; pool=$2; dir=$3',
  'v() { virsh -q -c "$uri" "$@"; }',
  'if v pool-info "$pool" 2>/dev/null | grep -q "^State: *running"; then echo "skip: pool $pool running"; exit 0; fi',
  'v pool-info "$pool" >/dev/null 2>&1 || v pool-define-as "$pool" dir --target "$dir" >/dev/null || exit 1',
  'v pool-build "$pool" >/dev/null && v pool-start "$pool" >/dev/null || exit 1',
  'echo "started pool $pool in $dir"',
].join("\n");

/**
 * $1: the libvirt URI; $2: the pool; $3: the volume; the volume's XML on
 * stdin. A volume left by an earlier attempt is replaced.
 */
export const CREATE_OVERLAY = [
  'virsh -q -c "$1" vol-delete --pool "$2" "$3" >/dev/null 2>&1',
  'virsh -q -c "$1" vol-create "$2" /dev/stdin >/dev/null',
].join("\n");
