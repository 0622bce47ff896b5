# Sourced by the benchmarks: a scratch directory ($work) removed on exit with every process in $pids and the
# private Postfix, if one was started in $work/postfix; and TransportGuard published to $work/tg.
work=$(mktemp -d /var/tmp/tg-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  bash bench/lib/postfix-instance.sh stop "$work/postfix"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
dotnet publish src/TransportGuard.Host -c Release -o "$work/tg" --nologo -v quiet >/dev/null
