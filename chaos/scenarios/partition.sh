# 4. Partition between an edge and a hub (iptables inside the namespace): first one-way (the edge's packets to the
# hub dropped), healed, then two-way, healed. Heartbeats fail both ways, so each side may take over the other's
# shadows while both are alive: fencing must keep every message delivered once.
DESCRIPTION="edge-hub partition, one-way then two-way, each healed"
DEFAULT_DURATION=24
scenario() {
  cluster4
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 6
  local edge hub eip hip
  edge=$(pick_one e1 e2); hub=$(pick_one h1 h2)
  eval "eip=\$${edge^^}" "hip=\$${hub^^}"
  local t1 d1 t2 d2
  t1=$(pick_ms 1 $(( DURATION / 4 ))); d1=$(pick_ms 2 4)
  t2=$(pick_ms $(( DURATION / 2 )) $(( DURATION * 3 / 4 ))); d2=$(pick_ms 2 4)
  at "$t1"; partition "$eip" "$hip" one
  sleep "$d1"; heal "$eip" "$hip" one
  at "$t2"; partition "$eip" "$hip" two
  sleep "$d2"; heal "$eip" "$hip" two
}
