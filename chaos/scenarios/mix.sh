# 11. mix: a random sequence, drawn from the seed, of the faults above on the two-edge, two-hub cluster: hub or edge
# SIGKILL and restart, hub SIGSTOP past the heartbeat budget, edge-hub partition (one- or two-way), SIGTERM restart.
# One fault at a time, at random gaps, for the whole load.
DESCRIPTION="random sequence of kills, freezes, partitions and clean restarts"
DEFAULT_DURATION=30
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 6
  local end=$(( DURATION - 3 )) t n eip hip way
  t=$(pick_ms 1 3); at "$t"
  while [ "$(( ($(now_ms) - LOAD_START_MS) / 1000 ))" -lt "$end" ]; do
    case $(pick 1 5) in
      1) n=$(pick_one h1 h2); node_kill "$n"; sleep "$(pick_ms 1 4)"; node_restart "$n" ;;
      2) n=$(pick_one e1 e2); node_kill "$n"; sleep "$(pick_ms 1 4)"; node_restart "$n" ;;
      3) n=$(pick_one h1 h2); node_signal "$n" STOP; sleep "$(pick_ms 2 4)"; node_signal "$n" CONT ;;
      4) eip=$(pick_one $E1 $E2); hip=$(pick_one $H1 $H2); way=$(pick_one one two)
         partition "$eip" "$hip" "$way"; sleep "$(pick_ms 2 4)"; heal "$eip" "$hip" "$way" ;;
      5) n=$(pick_one e1 e2 h1 h2); node_term "$n"; sleep "$(pick_ms 0 2)"; node_restart "$n" ;;
    esac
    sleep "$(pick_ms 1 3)"
  done
}
