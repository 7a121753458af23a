import { HOST_UUID_SH, UUID_PLACEHOLDER } from "../daemon.ts";

/**
 * The provisioning sub-steps as constant shell scripts: every value arrives
 * as a positional parameter (never spliced into the script), each script
 * first checks whether its work is already done (then prints `skip: ...`),
 * and verifies its work before exiting 0. stdout's last line says what was
 * done; stderr's says why it failed.
 */

/**
 * A sub-step's script in two parts: `check` ends the script with `exit 0`
 * (printing `skip: ...`) when the work is already done, and falls through
 * otherwise; `apply` does the work and verifies it. The full script is both;
 * the checks alone, chained (probeScript), tell in one command per node
 * whether a node is provisioned already.
 */
export interface SubStepScript {
  readonly check: string;
  readonly apply: string;
}

export const fullScript = (s: SubStepScript): string => `${s.check}\n${s.apply}`;

/** $@: packages. Installs only the missing ones (no file list in dpkg's database), then checks them with dpkg-query. */
export const PACKAGES: SubStepScript = {
  check: [
    // dpkg's file list of each package, tested in the shell: dpkg-query would parse the whole status database, the
    // slowest part of a no-op. apt-get and dpkg-query check what is installed when something is missing.
    'missing=""',
    'for p in "$@"; do found=""; for f in "/var/lib/dpkg/info/$p.list" "/var/lib/dpkg/info/$p":*.list; do [ -e "$f" ] && found=1; done; [ -n "$found" ] || missing="$missing $p"; done',
    'if [ -z "$missing" ] && id libvirt-qemu >/dev/null 2>&1; then echo "skip: all $# packages installed"; exit 0; fi',
  ].join("\n"),
  apply: [
    // libvirt's qemu driver expects its system user even when told to run guests as root.
    'id libvirt-qemu >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu || exit 1',
    'if [ -z "$missing" ]; then echo "added the libvirt-qemu user"; exit 0; fi',
    "export DEBIAN_FRONTEND=noninteractive",
    'apt-get update -q >/dev/null 2>&1; apt-get install -y -q $missing >/dev/null 2>&1 || { echo "apt-get install failed for$missing" >&2; exit 1; }',
    `for p in $missing; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { echo "$p not installed after apt-get" >&2; exit 1; }; done`,
    'echo "installed:$missing"',
  ].join("\n"),
};

/**
 * $1 $2 $3: minimum gc_thresh1/2/3 of the ARP table (more than 1,024
 * neighbours on the VMs' network). In a network namespace the table is the
 * machine's, not the node's: nothing to set there.
 */
export const SYSCTL: SubStepScript = {
  check: [
    "d=/proc/sys/net/ipv4/neigh/default",
    `if [ ! -e "$d/gc_thresh3" ]; then echo "skip: the ARP table is not this network namespace's"; exit 0; fi`,
    'low=""; i=1; for want in "$@"; do [ "$(cat "$d/gc_thresh$i")" -ge "$want" ] || low="$low $i"; i=$((i+1)); done',
    'if [ -z "$low" ]; then echo "skip: ARP table already sized"; exit 0; fi',
  ].join("\n"),
  apply: [
    'changed=""; i=1',
    'for want in "$@"; do if [ "$(cat "$d/gc_thresh$i")" -lt "$want" ]; then sysctl -q -w "net.ipv4.neigh.default.gc_thresh$i=$want" || exit 1; changed="$changed gc_thresh$i=$want"; fi; i=$((i+1)); done',
    'i=1; for want in "$@"; do [ "$(cat "$d/gc_thresh$i")" -ge "$want" ] || { echo "gc_thresh$i still below $want" >&2; exit 1; }; i=$((i+1)); done',
    'echo "set:$changed"',
  ].join("\n"),
};

/**
 * $1: the VMs' bridge; $2: the interface to put in it ("": the default
 * route's). Its IPv4 addresses and default route move to the bridge.
 */
export const BRIDGE: SubStepScript = {
  check: [
    'br=$1; ifc=$2',
    'if ip link show dev "$br" >/dev/null 2>&1 && [ -n "$(ip -o -4 addr show dev "$br")" ] && [ -n "$(ip -o link show master "$br")" ]; then echo "skip: $br up"; exit 0; fi',
  ].join("\n"),
  apply: [
    `[ -n "$ifc" ] || ifc=$(ip -o route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}')`,
    '[ -n "$ifc" ] || { echo "no interface to bridge: give one, or a default route" >&2; exit 1; }',
    `addrs=$(ip -o -4 addr show dev "$ifc" | awk '{print $4}')`,
    '[ -n "$addrs" ] || { echo "$ifc has no IPv4 address to carry over to $br" >&2; exit 1; }',
    `gw=$(ip -o route show default dev "$ifc" | awk '{print $3; exit}')`,
    'ip link show dev "$br" >/dev/null 2>&1 || ip link add "$br" type bridge || exit 1',
    'ip link set "$br" up && ip link set "$ifc" master "$br" || exit 1',
    'for a in $addrs; do ip addr del "$a" dev "$ifc" && ip addr add "$a" dev "$br" || exit 1; done',
    'if [ -n "$gw" ]; then ip route replace default via "$gw" dev "$br" || exit 1; fi',
    'ip -o link show dev "$ifc" | grep -q "master $br" && [ -n "$(ip -o -4 addr show dev "$br")" ] || { echo "$br does not carry $ifc and its address" >&2; exit 1; }',
    'echo "bridged $ifc into $br"',
  ].join("\n"),
};

/**
 * $1: the node's libvirt directory; $2: its name; $3, $4: libvirtd.conf (its
 * host UUID a placeholder, each node computes its own) and qemu.conf; $5: its
 * /etc/hosts; $6: the launch script (daemon.ts). A daemon already running
 * with this configuration is left alone.
 */
export const LIBVIRTD: SubStepScript = {
  check: [
    'dir=$1; node=$2',
    `uuid=$(${HOST_UUID_SH})`,
    `conf=$(printf '%s\\n' "$3" | sed "s/${UUID_PLACEHOLDER}/$uuid/")`,
    'pid=$(cat "$dir/libvirtd.pid" 2>/dev/null)',
    'same=1',
    'printf "%s\\n" "$conf" | cmp -s - "$dir/etc/libvirtd.conf" || same=0',
    'printf %s "$4" | cmp -s - "$dir/etc/qemu.conf" || same=0',
    'printf %s "$5" | cmp -s - "$dir/hosts" || same=0',
    'if [ "$same" = 1 ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "skip: libvirtd $pid runs with this configuration"; exit 0; fi',
  ].join("\n"),
  apply: [
    'mkdir -p "$dir/etc" "$dir/run" "$dir/lib" "$dir/log/qemu" "$dir/cache" /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt || exit 1',
    'if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then sleep 1; fi',
    'printf "%s\\n" "$conf" > "$dir/etc/libvirtd.conf" && printf %s "$4" > "$dir/etc/qemu.conf" && printf %s "$5" > "$dir/hosts" || exit 1',
    'rm -f "$dir/libvirtd.pid"',
    `unshare --mount --uts -- sh -c "$6" libvirtd-launch "$dir" "$node" || { echo "libvirtd refused to start: $(tail -n 2 "$dir/log/libvirtd.log" 2>/dev/null | tr '\\n' ' ')" >&2; exit 1; }`,
    'echo "started libvirtd $(cat "$dir/libvirtd.pid")"',
  ].join("\n"),
};

/**
 * $1: the URI virsh reaches the node's libvirtd at; $2: attempts, a second
 * apart (default 30: a daemon just started may take that long). Prints the
 * host UUID it reports (checked unique by the caller). Nothing to skip: it
 * only reads.
 */
export const VERIFY: SubStepScript = {
  check: "",
  apply: [
    'i=0',
    'until out=$(virsh -q -c "$1" capabilities 2>&1); do i=$((i+1)); [ $i -lt "${2:-30}" ] || { echo "libvirtd does not answer on $1: $(printf %s "$out" | head -c 200)" >&2; exit 1; }; sleep 1; done',
    `uuid=$(printf %s "$out" | sed -n 's:.*<uuid>\\(.*\\)</uuid>.*:\\1:p' | head -n 1)`,
    '[ -n "$uuid" ] || { echo "libvirtd on $1 reports no host UUID" >&2; exit 1; }',
    'echo "$uuid"',
  ].join("\n"),
};

/**
 * One command checking every sub-step on a node: each check runs in its own
 * `sh -c` with its own arguments (`counts[i]` of them, in order after the
 * scripts), all at once (a no-op's cost is then its slowest check, not their
 * sum); a check that falls through (work to do) fails the probe. The last
 * script runs whole once they all passed (verify: it prints the host UUID;
 * on a bare node it never connects to whatever holds libvirt's port). Built from constants
 * and argument numbers only: values still arrive as positional parameters.
 */
export function probeScript(counts: readonly number[]): string {
  const checks: string[] = [];
  const waits: string[] = [];
  let last = "";
  let next = counts.length + 1; // $1..$n: the scripts, then their arguments
  counts.forEach((count, i) => {
    const args = Array.from({ length: count }, (_, k) => `"\${${next + k}}"`).join(" ");
    next += count;
    const script = `"\${${i + 1}}"`;
    if (i < counts.length - 1) {
      checks.push(`sh -c "$(printf '%s\\nexit 3' ${script})" probe-${i} ${args} >/dev/null & p${i}=$!`);
      waits.push(`wait "$p${i}" || exit 1`);
    } else last = `exec sh -c ${script} probe-${i} ${args}`;
  });
  return [...checks, ...waits, last].join("\n");
}
