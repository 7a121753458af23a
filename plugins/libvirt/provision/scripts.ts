import { HOST_UUID_SH, UUID_PLACEHOLDER } from "../daemon.ts";

/**
 * The provisioning sub-steps as constant shell scripts: every value arrives
 * as a positional parameter (never spliced into the script), each script
 * first checks whether its work is already done (then prints `skip: ...`),
 * and verifies its work before exiting 0. stdout's last line says what was
 * done; stderr's says why it failed.
 */

/**
 * A sub-step's script in two parts. `check` is the body of a shell function
 * of the sub-step's arguments: status 0 (and `why` set) when the work is
 * already done. It uses shell builtins only, reading files (/proc, /sys,
 * dpkg's and libvirt's), never starting a process: provisioning again is
 * all checks, on every node at once, and a process start costs more than
 * the whole check on a loaded or virtualised node (BENCHMARKS.md,
 * bench:invivo). `apply` does the work, using what the check set, and
 * verifies it. `helpers`: functions the check calls that the full script
 * and the probe define differently.
 */
export interface SubStepScript {
  readonly check: string;
  readonly apply: string;
  readonly helpers?: string;
}

/** The sub-step run alone: its check, then its work when the check finds it not done. */
export const fullScript = (s: SubStepScript): string =>
  `${s.helpers ?? ""}\nis_done() {\n${s.check}\n}\nif is_done "$@"; then echo "skip: $why"; exit 0; fi\n${s.apply}`;

/** $@: packages. Installs only the missing ones (no file list in dpkg's database), then checks them with dpkg-query. */
export const PACKAGES: SubStepScript = {
  check: [
    // dpkg's file list of each package, and the libvirt-qemu user in /etc/passwd: dpkg-query and id(1) would be processes.
    // apt-get and dpkg-query check what is installed when something is missing.
    'missing=""',
    'for p in "$@"; do found=""; for f in "/var/lib/dpkg/info/$p.list" "/var/lib/dpkg/info/$p":*.list; do [ -e "$f" ] && found=1; done; [ -n "$found" ] || missing="$missing $p"; done',
    '[ -z "$missing" ] || return 1',
    'while IFS=: read -r u _; do if [ "$u" = libvirt-qemu ]; then why="all $# packages installed"; return 0; fi; done < /etc/passwd',
    "return 1",
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
    `if [ ! -e "$d/gc_thresh3" ]; then why="the ARP table is not this network namespace's"; return 0; fi`,
    'i=1; for want in "$@"; do read -r v < "$d/gc_thresh$i" && [ "$v" -ge "$want" ] || return 1; i=$((i+1)); done',
    'why="ARP table already sized"',
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
    // A bridge (sysfs), up, with a port, and a route through it in the kernel's table (/proc/net/route: its address's
    // subnet, there once an IPv4 address is on it and it is up).
    '[ -d "/sys/class/net/$br/bridge" ] || return 1',
    'read -r state < "/sys/class/net/$br/operstate" && [ "$state" != down ] || return 1',
    'port=""; for f in "/sys/class/net/$br/brif/"*; do [ -e "$f" ] && port=${f##*/}; done; [ -n "$port" ] || return 1',
    'while read -r dev _; do if [ "$dev" = "$br" ]; then why="$br up, bridging $port"; return 0; fi; done < /proc/net/route',
    "return 1",
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
 * with this configuration is left alone. The check reads the files in the
 * shell (`slurp`) and the host UUID out of libvirtd.conf; `uuid_is_nodes`
 * (the helper) computes the node's own with sha256sum: the probe, which
 * starts no process, defines it otherwise (PROBE_HELPERS).
 */
export const LIBVIRTD: SubStepScript = {
  helpers: `uuid_is_nodes() { [ "$uuid" = "$(${HOST_UUID_SH})" ]; }`,
  check: [
    'dir=$1; node=$2; pid=""',
    '{ read -r pid < "$dir/libvirtd.pid"; } 2>/dev/null',
    'slurp() { got=""; l=""; { while IFS= read -r l; do got="$got$l\n"; done < "$1"; } 2>/dev/null || return 1; got="$got$l"; }',
    `head=\${3%%${UUID_PLACEHOLDER}*}; tail=\${3#*${UUID_PLACEHOLDER}}`,
    'slurp "$dir/etc/libvirtd.conf" || return 1',
    'case $got in "$head"*"$tail") ;; *) return 1 ;; esac',
    'uuid=${got#"$head"}; uuid=${uuid%"$tail"}',
    'case $uuid in "" | *[!0-9a-f-]*) return 1 ;; esac',
    'uuid_is_nodes || return 1',
    'slurp "$dir/etc/qemu.conf" && [ "$got" = "$4" ] || return 1',
    'slurp "$dir/hosts" && [ "$got" = "$5" ] || return 1',
    '[ -n "$pid" ] && { read -r comm < "/proc/$pid/comm"; } 2>/dev/null && [ "$comm" = libvirtd ] || return 1',
    'why="libvirtd $pid runs with this configuration"',
  ].join("\n"),
  apply: [
    `uuid=$(${HOST_UUID_SH}); conf=\${3%%${UUID_PLACEHOLDER}*}$uuid\${3#*${UUID_PLACEHOLDER}}`,
    'mkdir -p "$dir/etc" "$dir/run" "$dir/lib" "$dir/log/qemu" "$dir/cache" /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt || exit 1',
    'if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then sleep 1; fi',
    'printf %s "$conf" > "$dir/etc/libvirtd.conf" && printf %s "$4" > "$dir/etc/qemu.conf" && printf %s "$5" > "$dir/hosts" || exit 1',
    'rm -f "$dir/libvirtd.pid"',
    `unshare --mount --uts -- sh -c "$6" libvirtd-launch "$dir" "$node" || { echo "libvirtd refused to start: $(tail -n 2 "$dir/log/libvirtd.log" 2>/dev/null | tr '\\n' ' ')" >&2; exit 1; }`,
    'echo "started libvirtd $(cat "$dir/libvirtd.pid")"',
  ].join("\n"),
};

/*
 * libvirt's RPC (the remote protocol, XDR): a 28-byte header (length,
 * program 0x20008086, version 1, procedure, type 0 = call, serial, status
 * 0), then the procedure's arguments. CONNECT_OPEN (1) of "qemu:///system",
 * flags 0; then CONNECT_GET_CAPABILITIES (7), no arguments: its reply is the
 * capabilities XML, whose first <uuid> is the host's.
 */
const RPC_OPEN = String.raw`\0\0\0\x38\x20\0\x80\x86\0\0\0\x01\0\0\0\x01\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\x01\0\0\0\x0eqemu:///system\0\0\0\0\0\0`;
const RPC_CAPABILITIES = String.raw`\0\0\0\x1c\x20\0\x80\x86\0\0\0\x01\0\0\0\x07\0\0\0\0\0\0\0\x02\0\0\0\0`;

/**
 * bash: $1, $2: the address and TCP port of the node's libvirtd; $3:
 * attempts, a second apart (default 30: a daemon just started may take that
 * long). Asks libvirtd for its capabilities over its RPC protocol from the
 * shell (bash's /dev/tcp, no virsh process: the probe runs it on every node
 * at once) and prints the host UUID it reports (checked against the node's
 * and unique by the caller). Nothing to skip: it only reads.
 */
export const VERIFY: SubStepScript = {
  helpers: [
    "LC_ALL=C",
    'caps() { reported=""',
    '  { exec 5<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1',
    `  printf '${RPC_OPEN}' >&5`,
    // The open's reply: read up to its program number's last byte (its status is the capabilities' reply's to tell).
    "  if IFS= read -r -t 5 -d $'\\x86' _ <&5; then",
    `    printf '${RPC_CAPABILITIES}' >&5`,
    '    while IFS= read -r -t 5 l <&5; do case $l in *"<uuid>"*"</uuid>"*) reported=${l#*<uuid>}; reported=${reported%%</uuid>*}; break ;; esac; done',
    "  fi",
    "  exec 5<&-",
    '  [ -n "$reported" ]',
    "}",
  ].join("\n"),
  check: "return 1",
  apply: [
    "i=0",
    'until caps "$1" "$2"; do i=$((i+1)); [ $i -lt "${3:-30}" ] || { echo "libvirtd does not answer on $1 port $2" >&2; exit 1; }; sleep 1; done',
    'echo "$reported"',
  ].join("\n"),
};

/** The checks' helpers in the probe: libvirtd.conf's host UUID is kept, libvirtd must report it, and the caller compares it with the node's (hostUuid). */
const PROBE_HELPERS = 'uuid_is_nodes() { conf_uuid=$uuid; }';

/**
 * One bash command checking every sub-step on a node, in the shell, with
 * no process started: each check is a function of its own arguments
 * (`counts[i]` of them, in order, after nothing else); a check that finds
 * work to do fails the probe. The last script (verify) runs whole once they
 * all passed, with one attempt: it prints the host UUID libvirtd reports,
 * which must be libvirtd.conf's (on a bare node it never connects to
 * whatever holds libvirt's port). Built from constants and argument numbers
 * only: values still arrive as positional parameters.
 */
export function probeScript(steps: readonly SubStepScript[], counts: readonly number[]): string {
  const lines = [PROBE_HELPERS];
  let next = 1;
  const args = counts.map((count) => {
    const a = Array.from({ length: count }, (_, k) => `"\${${next + k}}"`).join(" ");
    next += count;
    return a;
  });
  steps.forEach((s, i) => {
    if (i === steps.length - 1) lines.push(`set -- ${args[i]}`, s.helpers ?? "", s.apply, '[ "$reported" = "$conf_uuid" ]');
    else lines.push(`c${i}() {\n${s.check}\n}`, `c${i} ${args[i]} || exit 1`);
  });
  return lines.filter((l) => l !== "").join("\n");
}
