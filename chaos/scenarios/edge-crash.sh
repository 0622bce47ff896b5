# 2. Edge crash during shadow before ack. An edge is killed (SIGKILL) while it is copying messages to a peer before
# answering 250 (twice per run, at 60 messages/s over 10 sessions, so some transactions are cut between the final dot
# and the 250): for those the sender never sees the 250 and sends again through the other edge (same Message-ID),
# and what the dead edge had already committed and acknowledged must still arrive once, delivered by the edge after
# its restart or by the peer holding its shadows.
DESCRIPTION="edge crash (SIGKILL) during shadow before ack, then restart (twice)"
DEFAULT_DURATION=20
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 60 --sessions 10
  local edge t down
  edge=$(pick_one e1 e2); t=$(pick_ms 1 $(( DURATION * 3 / 10 ))); down=$(pick_ms 1 3)
  at "$t"; node_kill "$edge"
  sleep "$down"; node_restart "$edge"
  edge=$(pick_one e1 e2); t=$(pick_ms $(( DURATION * 4 / 10 )) $(( DURATION * 7 / 10 ))); down=$(pick_ms 1 3)
  at "$t"; node_kill "$edge"
  sleep "$down"; node_restart "$edge"
}
