/**
 * Scripts baked into the guest initramfs. They are constants: per-guest
 * values (IP, name) reach the guest through the kernel command line, never
 * by editing these texts.
 */

/** PID 1 until busybox init takes over: mounts (the disk at /disk), modules, network from `g5k.ip=`/`g5k.name=`. */
export const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /var/log /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs tmpfs /tmp
for m in $(cat /etc/modules.order); do insmod "/lib/modules/$m.ko"; done
# The VM's disk (its qcow2 overlay): the device node may lag the driver by a moment.
i=0; while [ ! -b /dev/vda ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
[ -b /dev/vda ] && mkdir -p /disk && mount -t ext4 /dev/vda /disk
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    g5k.ip=*) IP="\${arg#g5k.ip=}" ;;
    g5k.name=*) NAME="\${arg#g5k.name=}" ;;
  esac
done
hostname "\${NAME:-guest}"
ip link set lo up
ip link set eth0 up
[ -n "$IP" ] && ip addr add "$IP" dev eth0
echo "g5k-guest: \${NAME:-guest} \${IP:-no-ip} ready" > /dev/console
exec /bin/busybox init
`;

/** busybox init: keeps dropbear (key-only root login) running. */
export const INITTAB = `::respawn:/usr/sbin/dropbear -F -E -s -r /etc/dropbear/dropbear_ed25519_host_key -p 22
`;

/**
 * Starts or stops the load generator detached from the SSH session, so the
 * controller never pastes a shell line: it runs `g5k-load start --cpu 1 ...`.
 */
export const LOAD_HELPER = `#!/bin/sh
case "$1" in
  start)
    shift
    /bin/g5k-load stop
    setsid stress-ng "$@" </dev/null >/dev/null 2>&1 &
    ;;
  stop)
    killall -q stress-ng
    for _ in 1 2 3 4 5 6 7 8 9 10; do pidof stress-ng >/dev/null || exit 0; sleep 0.2; done
    killall -q -9 stress-ng
    ;;
  *) echo "usage: g5k-load start STRESS-NG-ARGS... | stop" >&2; exit 2 ;;
esac
`;
