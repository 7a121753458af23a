/**
 * The libvirt-over-SSH VM runtime shared by the testbeds whose nodes run
 * libvirtd (local namespaces, Grid'5000 nodes, any SSH-reachable machines):
 * guest image, domain definitions, boot, load injection, live migration and
 * observation. Not a testbed itself: `local`, `g5k` and `ssh` compose it.
 */
export { LibvirtVmRuntime, type LibvirtRuntimeInit, type VmBootSpec } from "./vm-runtime.ts";
export { libvirtOptionShape, libvirtOptions, type LibvirtRuntimeOptions } from "./vm-runtime-options.ts";
export { VmRuntimeSteps, type VmRuntimeStep } from "./vm-runtime-steps.ts";
export { ipMacPairs, macForIp, cidrContains, type IpMac } from "./ip-mac.ts";
export { LIBVIRT_TCP_PORT, LOCAL_URI, oneLine, virsh } from "./virsh.ts";
export { NODE_VM_BRIDGE } from "./vms/domain-xml.ts";
export { placeVms } from "./vms/placement.ts";
export { SubnetAllocator } from "./vms/subnet.ts";
export { chooseAccel, type AccelChoice } from "./accel.ts";
export { buildGuestImage, cacheRoot, guestCachePrefix, type GuestImage } from "./guest/build.ts";
export { OVERLAY_POOL, overlayPath } from "./vms/disk.ts";
export { hostUuid, LAUNCH, libvirtdConf, nodeHosts, PRIVATE_DIRS, QEMU_CONF } from "./daemon.ts";
export { provisionNodes, DEFAULT_PACKAGES, type ProvisionOptions, type ProvisionReport } from "./provision/provision.ts";
