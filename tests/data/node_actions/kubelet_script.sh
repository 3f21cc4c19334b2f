mode=$1 node=$2 secs=$3 wait=$4
host() { nsenter -t 1 -m -u -i -n -p -- "$@"; }
if [ "$(cat /proc/1/comm)" = systemd ] && host systemctl is-active --quiet kubelet; then
  how=systemd
else
  pid="" n=0 only=""
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = kubelet ] || continue
    n=$((n+1)); only=${p#/proc/}
    tr '\0' '\n' < "$p/cmdline" 2>/dev/null | grep -qx -- "--hostname-override=$node" && pid=$only
  done
  [ -z "$pid" ] && [ "$n" = 1 ] && pid=$only
  how="none: $n kubelet processes, none for $node"
  [ -n "$pid" ] && how="signal $pid"
fi
echo "$how" > /tmp/how.part && mv /tmp/how.part /tmp/how
case "$how" in none*) exit 0;; esac
[ "$mode" = restart ] && [ "$how" != systemd ] && exit 0
n=0; while [ ! -e /tmp/go ]; do n=$((n+1)); [ "$n" -gt $((wait*5)) ] && exit 0; sleep 0.2; done
if [ "$mode" = restart ]; then host systemctl restart kubelet; exit; fi
stopped=""
start() {
  [ -n "$stopped" ] || return 0
  if [ "$how" = systemd ]; then host systemctl start kubelet; else kill -CONT "${how#signal }"; fi
  stopped=""; echo "kubelet started again"
}
trap 'start; exit 0' TERM INT
stopped=1
if [ "$how" = systemd ]; then host systemctl stop kubelet; else kill -STOP "${how#signal }"; fi
echo "kubelet stopped ($how) for $secs s"
sleep "$secs" & wait
start
