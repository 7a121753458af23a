import { createHash } from "node:crypto";
import { LIBVIRT_TCP_PORT } from "./virsh.ts";

/**
 * A node's libvirtd as g5k-flow runs it, on namespaced nodes (local testbed,
 * g5k stand-in) and real machines alike: a daemon in private mount and UTS
 * namespaces whose libvirt directories are bind-mounted from one per-node
 * directory, so several nodes may share a file system and a node's state is
 * one directory to inspect or wipe.
 */

/** libvirt's state directories, each bind-mounted privately per node (`unshare -m`), as if each node had its own disk. */
export const PRIVATE_DIRS = {
  etc: "/etc/libvirt",
  run: "/run/libvirt",
  lib: "/var/lib/libvirt",
  log: "/var/log/libvirt",
  cache: "/var/cache/libvirt",
} as const;

/** A stable per-node host UUID: libvirt refuses a migration whose two ends report the same one (they share the machine's SMBIOS). */
export function hostUuid(node: string): string {
  const h = createHash("sha256").update(`g5k-flow-local:${node}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * TCP without auth: only acceptable where nothing but the experiment reaches
 * the nodes (a namespace of ours; on Grid'5000 an isolated KaVLAN, see
 * plugins/g5k/README.md).
 */
export function libvirtdConf(uuid: string): string {
  return [
    "listen_tls = 0",
    "listen_tcp = 1",
    'listen_addr = "0.0.0.0"',
    `tcp_port = "${LIBVIRT_TCP_PORT}"`,
    'auth_tcp = "none"',
    'auth_unix_rw = "none"',
    `host_uuid = "${uuid}"`,
    'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"',
    "max_clients = 200",
    "max_workers = 8",
    "",
  ].join("\n");
}

/** No systemd, no cgroups, no per-VM mount namespaces, no SELinux/AppArmor: what works inside a network namespace. */
export const QEMU_CONF = [
  'user = "root"',
  'group = "root"',
  "dynamic_ownership = 0",
  "remember_owner = 0",
  'security_driver = "none"',
  "cgroup_controllers = [ ]",
  "namespaces = [ ]",
  'stdio_handler = "file"',
  "migration_port_min = 49152",
  "migration_port_max = 49407",
  "",
].join("\n");

/** Placeholder the provisioning script replaces with HOST_UUID_SH's value (one command for all nodes, each its own UUID). */
export const UUID_PLACEHOLDER = "@HOST_UUID@";

/** hostUuid() in sh, of "$node": what each node computes for itself during provisioning. */
export const HOST_UUID_SH = `printf 'g5k-flow-local:%s' "$node" | sha256sum | sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\\1-\\2-4\\3-8\\4-\\5/'`;

/** libvirt resolves its own hostname on every job; without this each lookup waits for an unreachable DNS. */
export const nodeHosts = (node: string): string => `127.0.0.1 localhost\n127.0.1.1 ${node}\n`;

/*
 * Run under `unshare --mount --uts`: the node's own libvirt directories and
 * hostname. The script is constant; the node's directory and name arrive as
 * positional parameters.
 */
export const LAUNCH = [
  'mount --bind "$1/etc" /etc/libvirt',
  'mount --bind "$1/run" /run/libvirt',
  'mount --bind "$1/lib" /var/lib/libvirt',
  'mount --bind "$1/log" /var/log/libvirt',
  'mount --bind "$1/cache" /var/cache/libvirt',
  'mount --bind "$1/hosts" /etc/hosts',
  'hostname "$2"',
  'exec libvirtd --daemon --listen --pid-file "$1/libvirtd.pid" --config "$1/etc/libvirtd.conf"',
].join(" && ");
