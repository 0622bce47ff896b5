# 2. Edge crash during shadow before ack. An edge is killed (SIGKILL) while it is copying messages to a peer before
# answering 250: for those the sender never sees the 250 and sends again through the other edge (same Message-ID),
# and what the dead edge had already committed and acknowledged must still arrive once, delivered by the edge after
# its restart or by the peer holding its shadows.
DESCRIPTION="edge crash (SIGKILL) during shadow before ack, then restart"
DEFAULT_DURATION=20
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 8
  local edge; edge=$(pick_one e1 e2)
  local t; t=$(pick_ms 2 $(( DURATION * 6 / 10 )))
  local down; down=$(pick_ms 1 5)
  at "$t"; node_kill "$edge"
  sleep "$down"; node_restart "$edge"
}
