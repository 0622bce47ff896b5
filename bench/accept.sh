#!/usr/bin/env bash
# Acceptance throughput: Postfix (relaying to smtp-sink) and TransportGuard on the same machine, in the same run,
# both answering 250 only for mail on disk (Postfix fsyncs its queue file; TransportGuard commits its spool),
# driven by Postfix's smtp-source. Prints messages/s for each, their ratio, and TransportGuard's time from end of
# DATA to 250 (p50/p99, from its transaction log) and peak memory. Usage: bench/accept.sh [messages-for-2KiB]
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools.sh
M_SMALL=${1:-5000}
M_LARGE=$((M_SMALL / 5))
PF_PORT=2751 SINK_PORT=2752 TG_PORT=2753
source bench/lib/workdir.sh
mkdir -p "$work/sink" && chown postfix "$work/sink"
/usr/sbin/smtp-sink -u postfix 127.0.0.1:$SINK_PORT 1000 & pids+=($!)
bash bench/lib/postfix-instance.sh start "$work/postfix" $PF_PORT $SINK_PORT
dotnet "$work/tg/transportguard.dll" --smtp 127.0.0.1:$TG_PORT --data "$work/tgdata" --relay-to 127.0.0.1:$SINK_PORT \
  --Smtp:Limits:MaxSessionsPerClient 1000 ${TG_ARGS:-} > "$work/tg.log" 2>&1 & tg=$!; pids+=($tg)
for _ in $(seq 100); do grep -q "SMTP listening" "$work/tg.log" && break; sleep 0.1; done

rate() { # port messages sessions size -> messages per second
  local start end
  start=$(date +%s.%N)
  /usr/sbin/smtp-source -m "$2" -s "$3" -l "$4" -f bench@example.org -t rcpt@example.com 127.0.0.1:"$1"
  end=$(date +%s.%N)
  echo "$2 / ($end - $start)" | bc -l
}

# Warm both up (JIT, process pools) before measuring.
rate $PF_PORT 500 20 2048 >/dev/null; bash bench/lib/postfix-instance.sh drain "$work/postfix"
rate $TG_PORT 500 20 2048 >/dev/null

printf '%-10s %-9s %14s %14s %8s %10s %10s\n' sessions size postfix/s transportguard/s ratio "tg p50 ms" "tg p99 ms"
for sessions in ${SESSIONS:-20 100}; do
  for size in ${SIZES:-2048 102400}; do
    m=$M_SMALL; [ "$size" -gt 2048 ] && m=$M_LARGE
    before=$(grep -c "accept=" "$work/tg.log" || true)
    pf=$(rate $PF_PORT "$m" "$sessions" "$size"); bash bench/lib/postfix-instance.sh drain "$work/postfix"
    tgr=$(rate $TG_PORT "$m" "$sessions" "$size")
    read -r p50 p99 < <(grep -o "accept=[0-9.]*ms" "$work/tg.log" | tail -n +"$((before + 1))" | tr -dc '0-9.\n' | sort -n \
      | awk '{a[NR]=$1} END {print a[int(NR*0.5)+1], a[int(NR*0.99)+1]}')
    printf '%-10s %-9s %14.0f %14.0f %8.2f %10s %10s\n' "$sessions" "$size" "$pf" "$tgr" "$(echo "$tgr / $pf" | bc -l)" "$p50" "$p99"
  done
done
echo "transportguard peak memory: $(grep VmHWM /proc/$tg/status | awk '{print $2/1024 " MiB"}')"
