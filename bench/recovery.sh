#!/usr/bin/env bash
# Recovery time: fill a spool with N queued messages through SMTP (smtp-source), stop the gateway with SIGKILL,
# start it again and report how long recovery took (its "Spool recovered" log line) and the spool's size on disk.
# Usage: bench/recovery.sh [messages] [size]
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools.sh
N=${1:-100000} SIZE=${2:-2048} PORT=2754
work=$(mktemp -d /var/tmp/tg-recovery.XXXXXX)
trap 'kill $tg 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet publish src/TransportGuard.Host -c Release -o "$work/tg" --nologo -v quiet >/dev/null
start() {
  dotnet "$work/tg/transportguard.dll" --smtp 127.0.0.1:$PORT --data "$work/data" --Smtp:Limits:MaxSessionsPerClient 1000 --Queue:Suspended true \
    --Logging:LogLevel:Default Warning --Logging:LogLevel:TransportGuard.Spool Information \
    --Logging:LogLevel:TransportGuard.Smtp.Transport Information > "$work/$1.log" 2>&1 &
  tg=$!
  for _ in $(seq 600); do grep -q "SMTP listening" "$work/$1.log" && return; sleep 0.1; done
}
start fill
/usr/sbin/smtp-source -m "$N" -s 50 -l "$SIZE" -f bench@example.org -t rcpt@example.com 127.0.0.1:$PORT
kill -9 $tg; wait $tg 2>/dev/null || true
echo "spool on disk: $(du -sh "$work/data/spool" | cut -f1) for $N messages of $SIZE bytes"
start recover
grep -o "Spool recovered: .*" "$work/recover.log"
echo "resident memory after recovery: $(grep VmRSS /proc/$tg/status | awk '{print $2/1024 " MiB"}')"
kill $tg
