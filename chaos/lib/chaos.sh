# Sourced by chaos/run inside the scenario's private network and mount namespaces. Helpers for the scenario files
# (chaos/scenarios/NAME.sh): nodes, sinks, load, faults, and the verdict. Every wait here is bounded.
# Set by chaos/run: RUN (run directory), BUILD (published gateway in $BUILD/tg, tools in $BUILD/tool), SEED,
# DURATION, SCENARIO. Every choice a scenario draws (pick, pick_ms, pick_one) comes from a generator seeded with SEED,
# so it repeats with the seed.

TG_DLL=$BUILD/tg/transportguard.dll
TOOL_DLL=$BUILD/tool/tg-chaos.dll
DRAIN=60                    # seconds after the load ends by which every acknowledged message must be delivered
                            # (a scenario may set its own; DRAIN_OVERRIDE, from the smoke, wins)
GRACE=${GRACE:-20}          # how long after that deadline we still look for late (then lost) messages
SETTLE=${SETTLE:-40}        # at most this long, after everything arrived, for queues and shadows to empty
GIVE_UP=${GIVE_UP:-60}      # the generator stops retrying unacknowledged messages this long after the load
LOAD_START_MS=0
declare -A NODE_PID=() NODE_HTTP=() SINK_PID=()
declare -a DEDUP=()          # the nodes' duplicate-store switches (dedup_store)
declare -a SINK_FILES=()
declare -a VERIFY_ARGS=()    # extra switches for tg-chaos verify a scenario sets (e.g. --lost-sink mbox-a)
GEN_PID=

now_ms() { date +%s%3N; }
rel() { # seconds since the load started, e.g. 3.250
  local d=$(( $(now_ms) - LOAD_START_MS )); [ "$LOAD_START_MS" -eq 0 ] && d=0
  printf '%d.%03d' $((d / 1000)) $((d % 1000))
}
# A line in the fault timeline: unix ms, seconds into the load, what happened.
fault() { local line; line="$(now_ms) +$(rel)s $*"; echo "$line" >> "$RUN/faults.log"; echo "chaos: $line"; }
die() { fault "ERROR $*"; echo "chaos: $*" >&2; VERDICT_ERROR="$*"; finish; }

# The draws. Not bash's RANDOM: bash reseeds it in every subshell, and scenarios draw in one (t=$(pick_ms 2 6)),
# so RANDOM there does not repeat with the seed (and does not advance the script's own sequence). A linear
# congruential generator of our own instead (rand()'s constants, modulo 2^31, no overflow in bash arithmetic), its
# state in $RUN/rng, which carries it out of the subshell to the next draw; it starts from a hash of the seed, so
# consecutive seeds do not start with alike draws. draw15 sets DRAWN to 15 bits (0-32767).
echo $(( 0x$(printf 'chaos %s' "$SEED" | sha256sum | cut -c1-8) % 2147483648 )) > "$RUN/rng"
draw15() {
  local s; s=$(< "$RUN/rng")
  s=$(( (s * 1103515245 + 12345) % 2147483648 ))
  echo "$s" > "$RUN/rng"
  DRAWN=$(( s >> 16 ))
}
# pick A B: an integer in [A, B] drawn from the seed.
pick() { draw15; echo $(( $1 + DRAWN % ($2 - $1 + 1) )); }
# pick_ms A B: a time in seconds with ms, uniform in [A, B] seconds, from the seed.
pick_ms() {
  local hi lo ms; draw15; hi=$DRAWN; draw15; lo=$DRAWN
  ms=$(( $1 * 1000 + (hi * 32768 + lo) % (($2 - $1) * 1000 + 1) ))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
pick_one() { local a=("$@"); draw15; echo "${a[DRAWN % ${#a[@]}]}"; }
# at SECONDS: sleep until that many seconds (with ms) after the load started.
at() {
  local target=$(( LOAD_START_MS + $(printf '%.0f' "$(echo "$1 * 1000" | bc)") )) n; n=$(now_ms)
  [ "$target" -gt "$n" ] && sleep "$(echo "scale=3; ($target - $n) / 1000" | bc)"
  return 0
}

# node ID SMTP_HOST:PORT HTTP_HOST:PORT [gateway switches...]: starts a node (its arguments are kept in
# $RUN/ID/args for restarts) and waits (30 s at most) for "SMTP listening".
node() {
  local id=$1 smtp=$2 http=$3; shift 3
  mkdir -p "$RUN/$id"
  # Peers prove who they are with the cluster secret (docs/security.md); each run makes its own, kept in a file.
  [ -s "$RUN/cluster-secret" ] || { umask 077; openssl rand -hex 32 > "$RUN/cluster-secret"; }
  { printf '%s\n' --node-id "$id" --smtp "$smtp" --http "$http" --data "$RUN/$id/data" --hostname "$id.chaos.test" \
      --Queue:RetryInitialDelay 00:00:00.500 --Queue:RetryMaxDelay 00:00:01 --Cluster:SecretFile "$RUN/cluster-secret" \
      "${PEERS[@]}" "${DEDUP[@]}" "$@"; } > "$RUN/$id/args"
  NODE_HTTP[$id]=$http
  node_start "$id" ${NODE_NOWAIT:+nowait}
}
nodes_wait() { local id; for id in "$@"; do node_wait "$id" 0; done; }   # after NODE_NOWAIT=1 node ...
node_start() { # ID [nowait]
  local id=$1 args; mapfile -t args < "$RUN/$id/args"
  local before; before=$(grep -c "SMTP listening" "$RUN/$id/node.log" 2>/dev/null || true)
  echo "=== start $(date -u +%FT%T.%3NZ)" >> "$RUN/$id/node.log"
  dotnet "$TG_DLL" "${args[@]}" >> "$RUN/$id/node.log" 2>&1 &
  NODE_PID[$id]=$!
  echo "$! $id" >> "$RUN/pids"
  [ "${2:-}" = nowait ] || node_wait "$id" "${before:-0}"
}
node_wait() { # ID COUNT_BEFORE
  local id=$1 before=${2:-0}
  for _ in $(seq 300); do
    [ "$(grep -c "SMTP listening" "$RUN/$id/node.log" 2>/dev/null || true)" -gt "$before" ] && return 0
    kill -0 "${NODE_PID[$id]}" 2>/dev/null || die "node $id exited at start (see $RUN/$id/node.log)"
    sleep 0.1
  done
  die "node $id did not log 'SMTP listening' within 30 s"
}
node_signal() { # ID SIGNAL
  fault "SIG$2 $1 (pid ${NODE_PID[$1]})"
  kill -s "$2" "${NODE_PID[$1]}" 2>/dev/null || true
}
node_kill() { node_signal "$1" KILL; wait "${NODE_PID[$1]}" 2>/dev/null || true; }
node_term() { # ID: SIGTERM and wait (30 s at most) for a clean exit
  node_signal "$1" TERM
  for _ in $(seq 300); do kill -0 "${NODE_PID[$1]}" 2>/dev/null || break; sleep 0.1; done
  kill -0 "${NODE_PID[$1]}" 2>/dev/null && { fault "$1 still running 30 s after SIGTERM; SIGKILL"; kill -9 "${NODE_PID[$1]}"; }
  wait "${NODE_PID[$1]}" 2>/dev/null || true
}
node_restart() { fault "restart $1"; node_start "$1"; fault "$1 listening again"; }

# dedup_store: the duplicate store every node shares, as operators run a cluster (docs/dedup.md). CHAOS_DEDUP picks
# it: redis (default: Debian's redis-server, without persistence, on $DEDUP_EP), garnet, local (each node's own
# store only) or off (no duplicate detection: the "before" figures). Started before the nodes, never faulted here.
DEDUP_EP=127.0.0.30:6379
dedup_store() {
  local mode=${CHAOS_DEDUP:-redis} host=${DEDUP_EP%:*} port=${DEDUP_EP##*:}
  case $mode in
    off) DEDUP=(--Dedup:Enabled false); fault "duplicate detection off"; return 0 ;;
    local) DEDUP=(); fault "duplicate detection: each node's local store"; return 0 ;;
    redis) redis-server --bind "$host" --port "$port" --save '' --appendonly no > "$RUN/dedup-store.log" 2>&1 & ;;
    garnet) "${GARNET:-garnet-server}" --bind "$host" --port "$port" > "$RUN/dedup-store.log" 2>&1 & ;;
    *) die "CHAOS_DEDUP=$mode: not redis, garnet, local or off" ;;
  esac
  echo "$! dedup-store" >> "$RUN/pids"
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break; sleep 0.1; done
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null || die "the $mode duplicate store did not listen on $DEDUP_EP within 20 s"
  DEDUP=(--Dedup:Redis "$DEDUP_EP")
  fault "duplicate detection: shared $mode store on $DEDUP_EP"
}

# sink NAME HOST:PORT [REJECT_REGEX]: a recording mailbox server; records go to $RUN/sinks/NAME.rec.
sink() {
  local name=$1 ep=$2 reject=${3:-}
  mkdir -p "$RUN/sinks"
  dotnet "$TOOL_DLL" sink --listen "$ep" --name "$name" --out "$RUN/sinks/$name.rec" ${reject:+--reject "$reject"} \
    >> "$RUN/sinks/$name.log" 2>&1 &
  SINK_PID[$name]=$!
  echo "$! sink-$name" >> "$RUN/pids"
  case " ${SINK_FILES[*]} " in *" $RUN/sinks/$name.rec "*) ;; *) SINK_FILES+=("$RUN/sinks/$name.rec") ;; esac
  local host=${ep%:*} port=${ep##*:}
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && return 0; sleep 0.1; done
  die "sink $name did not listen on $ep within 20 s"
}
sink_kill() { fault "SIGKILL sink $1"; kill -9 "${SINK_PID[$1]}" 2>/dev/null || true; wait "${SINK_PID[$1]}" 2>/dev/null || true; }
sink_file() { case " ${SINK_FILES[*]} " in *" $RUN/sinks/$1.rec "*) ;; *) SINK_FILES+=("$RUN/sinks/$1.rec") ;; esac; }

# load [generator switches]: starts the recording load generator (record: $RUN/gen.rec) and marks the load start.
load() {
  LOAD_START_MS=$(now_ms)
  echo "$LOAD_START_MS" > "$RUN/load-start-ms"
  fault "load starts: $*"
  dotnet "$TOOL_DLL" gen --seed "$SEED" --out "$RUN/gen.rec" --give-up "$(( ${LOAD_SECONDS:-$DURATION} + GIVE_UP ))" "$@" \
    > "$RUN/gen.log" 2>&1 &
  GEN_PID=$!
  echo "$GEN_PID gen" >> "$RUN/pids"
}

# The standard cluster: two edges relaying to two hubs, hubs routing a.test and b.test to two mailbox sinks and
# everything else (bounces to gen.test) to a third, every node a peer of every other, each on its own address and
# known to the others by name (the run's hosts file, chaos/run).
# A scenario may set ROUTE_A, the hubs' route for a.test (default smtp:$MBA:25), e.g. a mailbox cluster route whose
# standby sink (mbox-a2 on $MBA2) it starts itself.
E1=127.0.0.2 E2=127.0.0.3 H1=127.0.0.4 H2=127.0.0.5 MBA=127.0.0.10 MBB=127.0.0.11 MBX=127.0.0.12 MBA2=127.0.0.13
PEER_NAMES=(--peer e1@e1.chaos.test:25 --peer e2@e2.chaos.test:25 --peer h1@h1.chaos.test:25 --peer h2@h2.chaos.test:25)
cluster4() { # [extra hub switches...]
  PEERS=("${PEER_NAMES[@]}")
  sink mbox-a $MBA:25 "${REJECT_A:-}"
  sink mbox-b $MBB:25 "${REJECT_B:-}"
  sink bounces $MBX:25
  local hub=(--Delivery:Routes:a.test "${ROUTE_A:-smtp:$MBA:25}" --Delivery:Routes:b.test smtp:$MBB:25 --Delivery:DefaultRoute smtp:$MBX:25 "$@")
  NODE_NOWAIT=1 node h1 $H1:25 $H1:9525 "${hub[@]}"
  NODE_NOWAIT=1 node h2 $H2:25 $H2:9525 "${hub[@]}"
  NODE_NOWAIT=1 node e1 $E1:25 $E1:9525 --relay-to h1.chaos.test:25,h2.chaos.test:25
  NODE_NOWAIT=1 node e2 $E2:25 $E2:9525 --relay-to h2.chaos.test:25,h1.chaos.test:25
  nodes_wait h1 h2 e1 e2
  GEN_TARGETS=$E1:25,$E2:25
  fault "cluster up: e1=$E1 e2=$E2 h1=$H1 h2=$H2 sinks a=$MBA b=$MBB bounces=$MBX${ROUTE_A:+ (a.test by $ROUTE_A)}"
}

# partition FROM_IP TO_IP one|two, heal FROM_IP TO_IP one|two (iptables inside the namespace)
partition() {
  fault "partition $1 -> $2 ($3-way)"
  iptables -A INPUT -s "$1" -d "$2" -j DROP
  [ "$3" = two ] && iptables -A INPUT -s "$2" -d "$1" -j DROP
  return 0
}
heal() {
  fault "heal $1 -> $2 ($3-way)"
  iptables -D INPUT -s "$1" -d "$2" -j DROP || true
  [ "$3" = two ] && { iptables -D INPUT -s "$2" -d "$1" -j DROP || true; }
  return 0
}

metric_sum() { # NAME: the sum of a metric over every running node (0 for nodes that do not answer)
  local total=0 id v
  for id in "${!NODE_HTTP[@]}"; do
    v=$(curl -s --max-time 2 "http://${NODE_HTTP[$id]}/metrics" 2>/dev/null | awk -v m="$1" '$1 ~ "^"m"([{]|$)" {s+=$2} END {printf "%d", s}')
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# finish: waits for the generator, then (bounded) for the sinks to hold every acknowledged message, for the queues
# and shadows to empty, and prints the verdict line into $RUN/verdict. A scenario that defines scenario_end has it
# called after the count, with the nodes still up (to add its own lines to faults.log, or set VERDICT_ERROR).
finish() {
  trap - EXIT
  local gen_deadline=$(( $(now_ms) + (${LOAD_SECONDS:-$DURATION} + GIVE_UP + 30) * 1000 ))
  if [ -n "$GEN_PID" ]; then
    while kill -0 "$GEN_PID" 2>/dev/null && [ "$(now_ms)" -lt "$gen_deadline" ]; do sleep 0.2; done
    kill "$GEN_PID" 2>/dev/null || true
    wait "$GEN_PID" 2>/dev/null || true
    fault "load over: $(tail -1 "$RUN/gen.log" 2>/dev/null)"
  fi
  local end_ms; end_ms=$(now_ms)
  DRAIN=${DRAIN_OVERRIDE:-$DRAIN}; [ "$DRAIN" -lt "${DRAIN_MIN:-0}" ] && DRAIN=$DRAIN_MIN
  local deadline=$(( end_ms + DRAIN * 1000 ))
  local counts=""
  if [ -z "${VERDICT_ERROR:-}" ] && [ -f "$RUN/gen.rec" ]; then
    local sinks; sinks=$(IFS=,; echo "${SINK_FILES[*]}")
    dotnet "$TOOL_DLL" verify --gen "$RUN/gen.rec" --sinks "$sinks" --deadline-ms "$deadline" "${VERIFY_ARGS[@]}" \
      --wait-until-ms $(( deadline + GRACE * 1000 )) > /dev/null
    fault "sinks checked; waiting (${SETTLE} s at most) for queues and shadows to empty"
    local settle_end=$(( $(now_ms) + SETTLE * 1000 )) q s
    while [ "$(now_ms)" -lt "$settle_end" ]; do
      q=$(metric_sum transportguard_queue_messages); s=$(metric_sum transportguard_shadow_messages)
      [ "$q" -eq 0 ] && [ "$s" -eq 0 ] && break
      sleep 0.5
    done
    sleep 2
    fault "settled: queued=$(metric_sum transportguard_queue_messages) shadows=$(metric_sum transportguard_shadow_messages)"
    counts=$(dotnet "$TOOL_DLL" verify --gen "$RUN/gen.rec" --sinks "$sinks" --deadline-ms "$deadline" "${VERIFY_ARGS[@]}" \
      --summary "$RUN/summary.txt")
  fi
  if [ -z "${VERDICT_ERROR:-}" ] && declare -F scenario_end > /dev/null; then scenario_end; fi
  local id
  for id in "${!NODE_HTTP[@]}"; do   # the nodes' view at the end, for whoever reads the run directory
    curl -s --max-time 2 "http://${NODE_HTTP[$id]}/metrics" | grep '^transportguard_' > "$RUN/$id/metrics.txt" 2>/dev/null || true
    local auth="Authorization: Bearer $(cat "$RUN/$id/data/admin-token" 2>/dev/null)"  # the token the node generated
    curl -s --max-time 2 -H "$auth" "http://${NODE_HTTP[$id]}/api/queue?limit=1000" > "$RUN/$id/queue.json" 2>/dev/null || true
    curl -s --max-time 2 -H "$auth" "http://${NODE_HTTP[$id]}/api/shadow" > "$RUN/$id/shadow.json" 2>/dev/null || true
  done
  stop_all
  local acked lost dup late verdict=PASS
  eval "$(echo "$counts" | tr ' ' '\n' | grep -E '^(acked|delivered|lost|duplicated|late)=[0-9]+$' || true)"
  if [ -n "${VERDICT_ERROR:-}" ] || [ -z "$counts" ] || [ "${acked:-0}" -eq 0 ] || [ "${lost:-0}" -gt 0 ] \
     || [ "${duplicated:-0}" -gt 0 ] || [ "${late:-0}" -gt 0 ]; then verdict=FAIL; fi
  [ -n "${VERDICT_ERROR:-}" ] && echo "error: $VERDICT_ERROR" >> "$RUN/summary.txt"
  echo "scenario=$SCENARIO seed=$SEED acked=${acked:-0} delivered=${delivered:-0} lost=${lost:-0} duplicated=${duplicated:-0} late=${late:-0} verdict=$verdict" > "$RUN/verdict"
  [ "$verdict" = PASS ]
  exit $?
}

stop_all() {
  local pid rest
  [ -f "$RUN/pids" ] || return 0
  while read -r pid rest; do kill -CONT "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done < "$RUN/pids"
  for _ in $(seq 100); do
    local alive=0
    while read -r pid rest; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$RUN/pids"
    [ $alive -eq 0 ] && break; sleep 0.1
  done
  while read -r pid rest; do kill -9 "$pid" 2>/dev/null || true; done < "$RUN/pids"
  wait 2>/dev/null || true
}

skip() { # REASON
  fault "SKIP: $*"
  echo "scenario=$SCENARIO seed=$SEED acked=0 delivered=0 lost=0 duplicated=0 late=0 verdict=SKIP" > "$RUN/verdict"
  echo "skipped: $*" > "$RUN/summary.txt"
  exit 0
}
