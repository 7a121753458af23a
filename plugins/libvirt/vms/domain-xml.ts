/** The bridge inside each node that its guests' taps join (a node-local name). */
export const NODE_VM_BRIDGE = "vmbr";

export interface DomainSpec {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly mac: string;
  /** CIDR address the guest configures from its kernel command line. */
  readonly address: string;
  readonly kernel: string;
  readonly initrd: string;
  /** The VM's qcow2 overlay (disk.ts), its disk `vda`; none: a diskless guest (bench/local.ts's plain baseline). */
  readonly disk?: string;
  readonly accel: "kvm" | "tcg";
  /** Where the guest's serial console is written (inside the node's private libvirt log dir). */
  readonly consoleLog: string;
}

const XML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

/**
 * A direct-kernel-boot guest: the initramfs is its root file system, its
 * disk a qcow2 overlay of the base disk (mounted at /disk), which live
 * migrations copy with the memory (`--copy-storage-inc`: only the overlay's
 * blocks, the base being on every node). `rom bar=off` spares the iPXE
 * option ROM (not needed, and not always installed).
 */
export function domainXml(d: DomainSpec): string {
  const type = d.accel === "kvm" ? "kvm" : "qemu";
  const cpu = d.accel === "kvm" ? "<cpu mode='host-passthrough'/>" : "<cpu mode='custom'><model fallback='allow'>qemu64</model></cpu>";
  return `<domain type='${type}'>
  <name>${esc(d.name)}</name>
  <memory unit='MiB'>${d.memoryMiB}</memory>
  <vcpu>${d.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${esc(d.kernel)}</kernel>
    <initrd>${esc(d.initrd)}</initrd>
    <cmdline>console=ttyS0 quiet g5k.ip=${esc(d.address)} g5k.name=${esc(d.name)}</cmdline>
  </os>
  ${cpu}
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>${d.disk === undefined ? "" : `
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${esc(d.disk)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>`}
    <interface type='bridge'>
      <source bridge='${NODE_VM_BRIDGE}'/>
      <mac address='${esc(d.mac)}'/>
      <model type='virtio'/>
      <rom bar='off'/>
    </interface>
    <serial type='file'>
      <source path='${esc(d.consoleLog)}'/>
    </serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
