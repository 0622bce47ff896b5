# 1. Hub crash (SIGKILL) under load, then restart. A hub dies with messages in its queue and shadows of other
# nodes' messages; its shadow holders take over what it held, and when it comes back it must deliver none of it.
DESCRIPTION="hub crash (SIGKILL) and restart under load"
DEFAULT_DURATION=20
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 6
  local hub; hub=$(pick_one h1 h2)
  local t; t=$(pick_ms 2 $(( DURATION * 6 / 10 )))
  local down; down=$(pick_ms 2 6)
  at "$t"; node_kill "$hub"
  sleep "$down"; node_restart "$hub"
}
