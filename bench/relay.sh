#!/usr/bin/env bash
# End-to-end relay throughput: smtp-source -> MTA -> smtp-sink, for Postfix and TransportGuard on the same machine
# in the same run, each relaying to its own smtp-sink. Counts messages per second *delivered* (from the first
# message sent until the sink has taken the last), not accepted. Both keep mail on disk before their 250.
# Usage: bench/relay.sh [messages-for-2KiB]     (env SESSIONS, SIZES, TG_ARGS as for accept.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools.sh
M_SMALL=${1:-5000}
M_LARGE=$((M_SMALL / 5))
PF_PORT=2761 TG_PORT=2762 PF_SINK=2763 TG_SINK=2764
source bench/lib/workdir.sh
/usr/sbin/smtp-sink -c -u postfix 127.0.0.1:$PF_SINK 1000 > "$work/pf-sink.out" 2>&1 & pids+=($!)
/usr/sbin/smtp-sink -c -u postfix 127.0.0.1:$TG_SINK 1000 > "$work/tg-sink.out" 2>&1 & pids+=($!)
bash bench/lib/postfix-instance.sh start "$work/postfix" $PF_PORT $PF_SINK
dotnet "$work/tg/transportguard.dll" --smtp 127.0.0.1:$TG_PORT --data "$work/tgdata" --relay-to 127.0.0.1:$TG_SINK \
  --Smtp:Limits:MaxSessionsPerClient 1000 ${TG_ARGS:-} > "$work/tg.log" 2>&1 & tg=$!; pids+=($tg)
for _ in $(seq 100); do grep -q "SMTP listening" "$work/tg.log" 2>/dev/null && break; sleep 0.1; done
sleep 1

delivered() { tr '\r' '\n' < "$1" | grep -o 'mesg=[0-9]*' | tail -1 | cut -d= -f2 || echo 0; }

rate() { # port sink-output messages sessions size -> delivered messages per second
  local before start end target
  before=$(delivered "$2"); before=${before:-0}
  target=$((before + $3))
  start=$(date +%s.%N)
  /usr/sbin/smtp-source -m "$3" -s "$4" -l "$5" -f bench@example.org -t rcpt@example.com 127.0.0.1:"$1"
  for _ in $(seq 6000); do [ "$(delivered "$2")" -ge "$target" ] && break; sleep 0.05; done
  end=$(date +%s.%N)
  [ "$(delivered "$2")" -ge "$target" ] || { echo "only $(( $(delivered "$2") - before )) of $3 delivered" >&2; exit 1; }
  echo "$3 / ($end - $start)" | bc -l
}

# Warm both up (JIT, Postfix's process pools, connection caches) before measuring.
rate $PF_PORT "$work/pf-sink.out" 500 20 2048 >/dev/null
bash bench/lib/postfix-instance.sh drain "$work/postfix"
rate $TG_PORT "$work/tg-sink.out" 500 20 2048 >/dev/null

printf '%-10s %-9s %18s %18s %8s\n' sessions size "postfix delivered/s" "tg delivered/s" ratio
for sessions in ${SESSIONS:-20 100}; do
  for size in ${SIZES:-2048 102400}; do
    m=$M_SMALL; [ "$size" -gt 2048 ] && m=$M_LARGE
    pf=$(rate $PF_PORT "$work/pf-sink.out" "$m" "$sessions" "$size")
    bash bench/lib/postfix-instance.sh drain "$work/postfix"; sleep 1 # its queue-file removal must not overlap our run
    tgr=$(rate $TG_PORT "$work/tg-sink.out" "$m" "$sessions" "$size")
    printf '%-10s %-9s %18.0f %18.0f %8.2f\n' "$sessions" "$size" "$pf" "$tgr" "$(echo "$tgr / $pf" | bc -l)"
  done
done
echo "transportguard peak memory: $(grep VmHWM /proc/$tg/status | awk '{print $2/1024 " MiB"}')"
grep -c "status=deferred" "$work/tg.log" | xargs echo "transportguard deferrals logged:" || true
