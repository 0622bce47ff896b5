# 6. A large takeover. All mail enters through e1, which relays to h1 first; the mailbox sinks are down, so h1 queues
# everything (more than 5,000 messages, each shadowed on e1: one holder answers the fencing question for all). h1 is killed; its holders take its messages over and relay them to h2;
# the mailboxes come back, h2 delivers; h1 restarts and asks its holders which messages they took over (fencing
# over thousands of ids), and must deliver none of those.
DESCRIPTION="takeover of more than 5,000 queued messages, next hop down, hub killed and restarted"
DEFAULT_DURATION=5200   # here: the number of messages
LOAD_SECONDS=120
DRAIN=90
DRAIN_MIN=90   # even in the smoke: thousands of messages to deliver after the restart
scenario() {
  PEERS=("${PEER_NAMES[@]}")
  local hub=(--Delivery:Routes:a.test smtp:$MBA:25 --Delivery:Routes:b.test smtp:$MBB:25 --Delivery:DefaultRoute smtp:$MBX:25)
  sink_file mbox-a; sink_file mbox-b; sink_file bounces   # not started yet: the next hop is down
  NODE_NOWAIT=1 node h1 $H1:25 $H1:9525 "${hub[@]}"
  NODE_NOWAIT=1 node h2 $H2:25 $H2:9525 "${hub[@]}"
  NODE_NOWAIT=1 node e1 $E1:25 $E1:9525 --relay-to $H1:25,$H2:25
  NODE_NOWAIT=1 node e2 $E2:25 $E2:9525 --relay-to $H1:25,$H2:25
  nodes_wait h1 h2 e1 e2
  fault "cluster up, mailbox sinks down: every message queues on h1"
  load --targets $E1:25 --count "$DURATION" --rate 0 --sessions 8 --sizes small
  # Until every message is acknowledged and h1 holds them (bounded by the generator's own give-up).
  local end=$(( $(now_ms) + 200000 ))
  while kill -0 "$GEN_PID" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do sleep 0.5; done
  local q; q=$(curl -s --max-time 2 "http://$H1:9525/metrics" | awk '/^transportguard_queue_messages/ {s+=$2} END {print s+0}')
  fault "h1 holds $q queued messages"
  sleep "$(pick_ms 0 2)"
  node_kill h1
  sleep "$(pick_ms 2 5)"
  fault "mailbox sinks come back"
  sink mbox-a $MBA:25; sink mbox-b $MBB:25; sink bounces $MBX:25
  sleep "$(pick_ms 0 2)"   # while the holder still has thousands of taken-over copies to deliver
  node_restart h1
}
