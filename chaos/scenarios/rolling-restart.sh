# 8. Rolling restart of every node under load: each node in turn (order from the seed) stopped cleanly (SIGTERM),
# started again, and the next one stopped once it listens. Clean stops must lose nothing and deliver nothing twice.
DESCRIPTION="rolling restart (SIGTERM, start) of every node under load"
DEFAULT_DURATION=30
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 30 --sessions 6
  local order=(e1 e2 h1 h2) i j tmp
  for ((i = ${#order[@]} - 1; i > 0; i--)); do j=$(pick 0 "$i"); tmp=${order[i]}; order[i]=${order[j]}; order[j]=$tmp; done
  at "$(pick_ms 1 3)"
  for n in "${order[@]}"; do
    node_term "$n"
    sleep "$(pick_ms 0 2)"
    node_restart "$n"
    sleep "$(pick_ms 1 3)"
  done
}
