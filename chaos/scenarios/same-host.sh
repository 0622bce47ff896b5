# 9. Several nodes on one host address: the four-node cluster of hub-crash with every node on 127.0.0.1, told apart by
# port and named to each other as localhost:PORT (a DNS name), then a hub killed and restarted. Peers are known by
# their proof of the cluster secret, never by address (docs/security.md).
DESCRIPTION="all nodes on 127.0.0.1 (different ports), hub SIGKILL and restart"
DEFAULT_DURATION=20
scenario() {
  local ip=127.0.0.1
  PEERS=(--peer e1@localhost:2501 --peer e2@localhost:2502 --peer h1@localhost:2503 --peer h2@localhost:2504)
  sink mbox-a $ip:2601; sink mbox-b $ip:2602; sink bounces $ip:2603
  local hub=(--Delivery:Routes:a.test smtp:$ip:2601 --Delivery:Routes:b.test smtp:$ip:2602 --Delivery:DefaultRoute smtp:$ip:2603)
  NODE_NOWAIT=1 node h1 $ip:2503 $ip:9503 "${hub[@]}"
  NODE_NOWAIT=1 node h2 $ip:2504 $ip:9504 "${hub[@]}"
  NODE_NOWAIT=1 node e1 $ip:2501 $ip:9501 --relay-to $ip:2503,$ip:2504
  NODE_NOWAIT=1 node e2 $ip:2502 $ip:9502 --relay-to $ip:2504,$ip:2503
  nodes_wait h1 h2 e1 e2
  fault "cluster up on $ip: e1=2501 e2=2502 h1=2503 h2=2504"
  load --targets $ip:2501,$ip:2502 --duration "$DURATION" --rate 40 --sessions 6
  local hub_id; hub_id=$(pick_one h1 h2)
  at "$(pick_ms 2 $(( DURATION * 6 / 10 )))"; node_kill "$hub_id"
  sleep "$(pick_ms 2 6)"; node_restart "$hub_id"
}
