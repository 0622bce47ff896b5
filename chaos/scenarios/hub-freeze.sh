# 3. Hub frozen (SIGSTOP) for longer than the heartbeat budget (3 heartbeats of 300 ms), then resumed (SIGCONT).
# Its peers declare it down and take over its shadows; when it wakes it must not deliver what they took over
# (its lease lapsed: fencing), and nothing it held may be lost.
DESCRIPTION="hub frozen (SIGSTOP) past the heartbeat budget, then resumed"
DEFAULT_DURATION=20
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 6
  local hub; hub=$(pick_one h1 h2)
  local t; t=$(pick_ms 2 $(( DURATION * 6 / 10 )))
  local frozen; frozen=$(pick_ms 2 5)
  at "$t"; node_signal "$hub" STOP
  sleep "$frozen"; node_signal "$hub" CONT
}
