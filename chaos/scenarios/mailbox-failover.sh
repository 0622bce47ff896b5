# 10. Mailbox failover (docs/safetynet.md, Mailbox clusters). The hubs route a.test to a mailbox cluster: the active
# sink mbox-a and the standby mbox-a2, checked every 0.5 s. Under load mbox-a is SIGKILLed and counts as lost with
# everything it took (a lossy failover: nothing was replicated). Each hub's route moves to mbox-a2 after 3 failed
# checks, and its Safety Net resubmits there what it had delivered on the route (replay 10 min, so all of it);
# duplicate detection drops what mbox-a2 already has. mbox-a then comes back, stale, and must get nothing: the
# routes do not flap back. a.test pairs count only at mbox-a2 (verify --lost-sink mbox-a), b.test's at mbox-b.
DESCRIPTION="mailbox failover: a.test's active mailbox (sink mbox-a) SIGKILLed and lost, the cluster route moves to the standby mbox-a2 and the Safety Net resubmits; the old active comes back stale"
DEFAULT_DURATION=20
ROUTE_A="cluster:$MBA:25,$MBA2:25;replay=10m"
VERIFY_ARGS=(--lost-sink mbox-a)
scenario() {
  sink mbox-a2 $MBA2:25
  cluster4 --MailboxClusters:HealthCheckInterval 00:00:00.500 --MailboxClusters:HealthCheckTimeout 00:00:00.400
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 6
  local t; t=$(pick_ms $(( DURATION * 3 / 10 )) $(( DURATION * 6 / 10 )))
  local back; back=$(pick_ms 3 6)
  at "$t"; sink_kill mbox-a
  KILLED_MS=$(now_ms)
  # Both hubs must move the route (3 checks 0.5 s apart: about 1.5-2 s); bounded.
  local hub
  for hub in h1 h2; do
    for _ in $(seq 100); do grep -q "failed over from $MBA:25 to $MBA2:25" "$RUN/$hub/node.log" && break; sleep 0.1; done
    if grep -q "failed over from $MBA:25 to $MBA2:25" "$RUN/$hub/node.log"; then fault "$hub: route a.test failed over to mbox-a2"
    else fault "$hub: route a.test has not failed over 10 s after the kill"; fi
  done
  sleep "$back"
  STALE_FROM=$(wc -l < "$RUN/sinks/mbox-a.rec")
  fault "the old active mbox-a comes back, stale (it held $STALE_FROM records, all lost); the routes must stay on mbox-a2"
  sink mbox-a $MBA:25
}
# After the count: what each hub did (from its log), and whether the stale old active got anything.
scenario_end() {
  local hub moves copies rcpts dups stale
  for hub in h1 h2; do
    moves=$(grep -c "Route a.test failed over" "$RUN/$hub/node.log" || true)
    copies=$(grep -c ": resubmitted by RS" "$RUN/$hub/node.log" || true)
    rcpts=$(sed -n 's/.*: resubmitted by RS[^ ]* from [^ ,]*, \([0-9]*\) recipient(s).*/\1/p' "$RUN/$hub/node.log" | awk '{s += $1} END {print s + 0}')
    dups=$(grep -c "status=duplicate" "$RUN/$hub/node.log" || true)
    fault "$hub: $moves failover(s) of a.test, $copies message(s) resubmitted ($rcpts recipient(s)), $dups recipient(s) suppressed as duplicates"
  done
  stale=$(( $(wc -l < "$RUN/sinks/mbox-a.rec") - ${STALE_FROM:-0} ))
  fault "the stale old active mbox-a took $stale record(s) after it came back"
  if [ "${KILLED_MS:-0}" -eq 0 ]; then VERDICT_ERROR="mbox-a was never killed"
  elif [ "$(grep -l "failed over from $MBA:25 to $MBA2:25" "$RUN"/h[12]/node.log | wc -l)" -ne 2 ]; then
    VERDICT_ERROR="not every hub failed a.test over to mbox-a2"
  elif [ "$stale" -gt 0 ]; then VERDICT_ERROR="the stale old active mbox-a took $stale record(s): a route flapped back"
  fi
  return 0
}
