# 5. Messages with one deliverable and one permanently rejected recipient (mbox-b answers 550 to bad-*), then a
# clean restart (SIGTERM) of each hub in turn. The rejected recipient is reported once (one bounce to the sender);
# the delivered one must not be delivered again when the hub's shadow holders see it restart.
DESCRIPTION="partial permanent failure (one recipient 5xx), then SIGTERM restart of each hub"
DEFAULT_DURATION=12
REJECT_B='^bad-'
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 25 --sessions 4 --bad-fraction 0.3 --bad-domain b.test
  local first second; first=$(pick_one h1 h2); [ "$first" = h1 ] && second=h2 || second=h1
  local t; t=$(pick_ms $(( DURATION / 2 )) $(( DURATION - 1 )))
  at "$t"; node_term "$first"
  sleep 3; node_restart "$first"
  sleep "$(pick_ms 1 3)"; node_term "$second"
  sleep 3; node_restart "$second"
}
