#!/usr/bin/env bash
# The cost of shadow before ack (docs/protocol.md): accepted messages per second at an edge node whose peer takes
# a shadow copy of every message before the 250, against the same two nodes with ShadowBeforeAck off, in one run.
# Both nodes relay to an smtp-sink. Usage: bench/shadow.sh [messages]     (env SESSIONS, SIZE, PIN)
# PIN=1 puts the edge on CPU 0 and everything else (the peer, smtp-source, smtp-sink) on CPU 1, in both runs: the
# peer then works on its own core, as it would on its own machine, and the edge has the same single core either way.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools.sh
M=${1:-3000}
SESSIONS=${SESSIONS:-20} SIZE=${SIZE:-2048} PIN=${PIN:-0}
cpu0=() cpu1=()
if [ "$PIN" = 1 ]; then cpu0=(taskset -c 0) cpu1=(taskset -c 1); fi # taskset execs the command: $! stays its pid
source bench/lib/workdir.sh
E=127.0.0.2 H=127.0.0.3 PORT=2525 SINK=2793
"${cpu1[@]}" /usr/sbin/smtp-sink -u postfix 127.0.0.1:$SINK 1000 & pids+=($!)

secret=$(openssl rand -hex 32) # peers prove who they are with it (docs/security.md)
run() { # shadow-before-ack(true|false) -> accepted messages per second
  local tag=$1 edge hub
  rm -rf "$work/e-$tag" "$work/h-$tag"
  "${cpu1[@]}" dotnet "$work/tg/transportguard.dll" --node-id hub --smtp $H:$PORT --http $H:9526 --data "$work/h-$tag" --relay-to 127.0.0.1:$SINK \
    --peer edge@$E:$PORT --peer hub@$H:$PORT --Cluster:Secret "$secret" > "$work/hub-$tag.log" 2>&1 & hub=$!
  "${cpu0[@]}" dotnet "$work/tg/transportguard.dll" --node-id edge --smtp $E:$PORT --http $E:9526 --data "$work/e-$tag" --relay-to 127.0.0.1:$SINK \
    --peer edge@$E:$PORT --peer hub@$H:$PORT --Cluster:Secret "$secret" --Shadow:ShadowBeforeAck "$1" --Smtp:Limits:MaxSessionsPerClient 1000 > "$work/edge-$tag.log" 2>&1 & edge=$!
  for _ in $(seq 100); do grep -q "SMTP listening" "$work/edge-$tag.log" 2>/dev/null && grep -q "SMTP listening" "$work/hub-$tag.log" && break; sleep 0.1; done
  "${cpu1[@]}" /usr/sbin/smtp-source -m 300 -s "$SESSIONS" -l "$SIZE" -f bench@example.org -t rcpt@example.com $E:$PORT # warm-up
  sleep 2
  local start end
  start=$(date +%s.%N)
  "${cpu1[@]}" /usr/sbin/smtp-source -m "$M" -s "$SESSIONS" -l "$SIZE" -f bench@example.org -t rcpt@example.com $E:$PORT
  end=$(date +%s.%N)
  echo "$M / ($end - $start)" | bc -l
  kill "$edge" "$hub"; wait "$edge" "$hub" 2>/dev/null || true
}

# Off and on alternate REPEAT times (a firecracker VM's two cores are noisy): each pair prints, then the medians.
REPEAT=${REPEAT:-3}
offs=() ons=()
printf '%-9s %-9s %-5s %16s %16s %8s\n' sessions size pair "no shadow/s" "shadow/s" "cost"
for i in $(seq "$REPEAT"); do
  off=$(run false) on=$(run true)
  offs+=("$off") ons+=("$on")
  printf '%-9s %-9s %-5s %16.0f %16.0f %7.1f%%\n' "$SESSIONS" "$SIZE" "$i" "$off" "$on" "$(echo "(1 - $on / $off) * 100" | bc -l)"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
off=$(median "${offs[@]}") on=$(median "${ons[@]}")
printf '%-9s %-9s %-5s %16.0f %16.0f %7.1f%%\n' "$SESSIONS" "$SIZE" median "$off" "$on" "$(echo "(1 - $on / $off) * 100" | bc -l)"
