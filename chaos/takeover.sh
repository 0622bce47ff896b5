#!/usr/bin/env bash
# Three-node takeover in one command (docs/protocol.md): an edge relays to hub1 (hub2 the alternative route) and
# keeps shadows; hub1 cannot deliver yet (its sink is down); hub1 is killed with SIGKILL (or frozen with SIGSTOP when
# MODE=stop); the edge takes over and delivers through hub2; hub1's sink comes up and hub1 comes back (restarted, or
# resumed), asks the edge what it took over, and must deliver none of it. Prints acknowledged / delivered / lost /
# duplicated, counted by Message-Id in the sinks' files, and exits non-zero unless lost and duplicated are both 0.
# Then it prints one message's trace on each of the three nodes (`transportguard trace`, docs/tracking.md).
# Usage: chaos/takeover.sh [messages]        (env MODE=kill|stop)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools.sh
N=${1:-200}
MODE=${MODE:-kill}
source bench/lib/workdir.sh
E=127.0.0.2 H1=127.0.0.3 H2=127.0.0.4 PORT=2525 SINK1=2791 SINK2=2792
mkdir -p "$work/sink1" "$work/sink2" && chown postfix "$work/sink1" "$work/sink2"
peers=(--peer edge@$E:$PORT --peer hub1@$H1:$PORT --peer hub2@$H2:$PORT --Cluster:Secret "$(openssl rand -hex 32)")
node() { # id address relay-to
  dotnet "$work/tg/transportguard.dll" --node-id "$1" --smtp "$2:$PORT" --http "$2:9525" --data "$work/$1" --relay-to "$3" \
    "${peers[@]}" --Queue:RetryInitialDelay 00:00:00.500 --Queue:RetryMaxDelay 00:00:01 >> "$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "SMTP listening" "$work/$1.log" 2>/dev/null && break; sleep 0.1; done
}
count() { { grep -rho '^Message-Id: <[^>]*>' "$work/sink1" "$work/sink2" 2>/dev/null || true; } | "$@"; }

/usr/sbin/smtp-sink -u postfix -d "$work/sink2/m." 127.0.0.1:$SINK2 1000 & pids+=($!)
node hub1 $H1 127.0.0.1:$SINK1; hub1=${pids[-1]}
node hub2 $H2 127.0.0.1:$SINK2
node edge $E $H1:$PORT,$H2:$PORT
/usr/sbin/smtp-source -m "$N" -s 10 -l 2048 -f bench@example.org -t rcpt@example.com $E:$PORT
acknowledged=$N   # smtp-source exits non-zero unless every message got its 250
for _ in $(seq 300); do
  held=$(curl -s http://$E:9525/metrics | awk -F' ' '/^transportguard_shadow_messages\{peer="hub1"\}/ {print $2}')
  [ "${held:-0}" = "$N" ] && break; sleep 0.1
done
verb=killed participle=killed; [ "$MODE" = stop ] && verb=froze participle=frozen
echo "edge holds ${held:-0} shadows of hub1; $verb hub1"
start=$(date +%s.%N)
if [ "$MODE" = stop ]; then kill -STOP "$hub1"; else kill -9 "$hub1"; fi
for _ in $(seq 600); do grep -q "Peer hub1 is down" "$work/edge.log" && break; sleep 0.01; done
printf 'takeover logged %.2f s after hub1 was %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$participle"
for _ in $(seq 600); do [ "$(count sort -u | wc -l)" -ge "$N" ] && break; sleep 0.1; done
/usr/sbin/smtp-sink -u postfix -d "$work/sink1/m." 127.0.0.1:$SINK1 1000 & pids+=($!)
if [ "$MODE" = stop ]; then kill -CONT "$hub1"; else node hub1 $H1 127.0.0.1:$SINK1; fi
for _ in $(seq 200); do grep -q "Shadow holder edge took over" "$work/hub1.log" && break; sleep 0.1; done
sleep 3
delivered=$(count sort -u | wc -l)
total=$(count cat | wc -l)
lost=$((acknowledged - delivered)); duplicated=$((total - delivered))
echo "acknowledged=$acknowledged delivered=$delivered lost=$lost duplicated=$duplicated (hub1 delivered $(ls "$work/sink1" | wc -l) after it came back)"
# One message through two nodes and a takeover, as each node's message tracking tells it.
id=$(count head -1 | sed 's/^Message-Id: //')
for n in edge:$E hub1:$H1 hub2:$H2; do
  echo "--- trace of $id on ${n%%:*}"
  dotnet "$work/tg/transportguard.dll" trace --message-id "$id" --url "http://${n#*:}:9525" --data "$work/${n%%:*}" || true
done
[ "$lost" -eq 0 ] && [ "$duplicated" -eq 0 ]
