#!/bin/bash
# The baseline of bench/local.ts: the same operations as a plain script
# would do them, virsh and ip in loops, no engine. Prints one number per
# line (seconds) for the caller to compare.
#   deploy N                      namespaces + bridge + sshd + libvirtd; prints seconds, then tears down
#   boot NODE:XML...              virsh create each, wait for each guest's SSH; prints seconds
#   migrate VM SRC DST-ADDR DST   one virsh migrate --live; prints "total downtime" (seconds)
set -euo pipefail
KEY=${GUEST_KEY:?}
uri=qemu+tcp://127.0.0.1:16509/system
now() { date +%s.%N; }

case "$1" in
deploy)
  n=$2; t0=$(now); st=/run/g5k-flow/plain
  mkdir -p $st /run/sshd; ssh-keygen -q -t ed25519 -N '' -f $st/key <<<y >/dev/null 2>&1 || true
  ip link add pb-br type bridge; ip addr add 10.79.0.1/24 dev pb-br; ip link set pb-br up
  for i in $(seq 0 $((n - 1))); do
    ns=pb-h$i; d=$st/$ns; mkdir -p $d/{etc,run,lib,log,cache}
    ip netns add $ns
    ip link add pb-v$i type veth peer name eth0 netns $ns
    ip link set pb-v$i master pb-br up
    ip -n $ns addr add 10.79.0.$((i + 2))/24 dev eth0; ip -n $ns link set eth0 up; ip -n $ns link set lo up
    ssh-keygen -q -t ed25519 -N '' -f $d/hostkey
    printf 'ListenAddress 10.79.0.%s\nHostKey %s\nPidFile %s\nAuthorizedKeysFile %s\nUsePAM no\nStrictModes no\n' $((i + 2)) $d/hostkey $d/sshd.pid $st/key.pub >$d/sshd_config
    ip netns exec $ns /usr/sbin/sshd -f $d/sshd_config
    printf 'listen_tls = 0\nlisten_tcp = 1\nauth_tcp = "none"\nhost_uuid = "00000000-0000-4000-8000-%012d"\n' $i >$d/etc/libvirtd.conf
    printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\ncgroup_controllers = [ ]\nnamespaces = [ ]\nstdio_handler = "file"\n' >$d/etc/qemu.conf
    ip netns exec $ns unshare -m sh -c 'mount --bind "$1/etc" /etc/libvirt && mount --bind "$1/run" /run/libvirt && mount --bind "$1/lib" /var/lib/libvirt && mount --bind "$1/log" /var/log/libvirt && mount --bind "$1/cache" /var/cache/libvirt && exec libvirtd -d -l -p "$1/libvirtd.pid" -f "$1/etc/libvirtd.conf"' x $d
    until ip netns exec $ns virsh -q -c $uri version >/dev/null 2>&1; do sleep 0.05; done
    # sshd listening (a TCP check: root's login shell start-up here is slow and would not be the script's fault)
    until timeout 1 bash -c "exec 3<>/dev/tcp/10.79.0.$((i + 2))/22" 2>/dev/null; do sleep 0.05; done
  done
  echo "$(now) - $t0" | bc
  for i in $(seq 0 $((n - 1))); do
    for p in $(ip netns pids pb-h$i); do kill $p 2>/dev/null || true; done
  done
  sleep 0.5
  for i in $(seq 0 $((n - 1))); do
    for p in $(ip netns pids pb-h$i); do kill -9 $p 2>/dev/null || true; done
    ip netns del pb-h$i
  done
  ip link del pb-br; rm -rf $st
  ;;
boot)
  shift; t0=$(now)
  for spec in "$@"; do ip netns exec "${spec%%:*}" virsh -q -c $uri create "${spec#*:}" >/dev/null; done
  for spec in "$@"; do
    ns=${spec%%:*}; ip=$(grep -o 'g5k.ip=[0-9.]*' "${spec#*:}" | cut -d= -f2)
    until ip netns exec $ns ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 -i $KEY root@$ip true 2>/dev/null; do sleep 0.5; done
  done
  echo "$(now) - $t0" | bc
  ;;
migrate)
  vm=$2; src=$3; addr=$4; dst=$5; t0=$(now)
  ip netns exec $src virsh -q -c $uri migrate --live --bandwidth 8192 $vm qemu+tcp://$addr:16509/system --migrateuri tcp://$addr
  total=$(echo "$(now) - $t0" | bc)
  down=$(ip netns exec $dst virsh -q -c $uri domjobinfo --completed $vm | awk '/^Total downtime/ {print $3 / 1000}')
  echo "$total $down"
  ;;
esac
