# 7. Disk full on a hub: its data directory is a 128 MiB tmpfs (Spool:MinimumFreeBytes 16 MiB); at a random moment
# a filler file leaves it 0-2 MiB free (below the floor: new mail gets 452, and a commit in flight may fail), then
# the space is freed. Nothing acknowledged may be lost, nothing delivered twice.
DESCRIPTION="disk full on a hub (small tmpfs), then space freed"
DEFAULT_DURATION=20
scenario() {
  local full; full=$(pick_one h1 h2)
  mkdir -p "$RUN/$full/data"
  mount -t tmpfs -o size=128m chaos-disk "$RUN/$full/data"
  fault "$full's data directory is a 128 MiB tmpfs"
  cluster4 --Spool:MinimumFreeBytes 16777216
  load --targets "$GEN_TARGETS" --duration "$DURATION" --rate 40 --sessions 6
  local t; t=$(pick_ms 2 $(( DURATION / 2 )))
  local hold; hold=$(pick_ms 3 6)
  at "$t"
  local avail; avail=$(df -B1 --output=avail "$RUN/$full/data" | tail -1)
  local leave=$(( $(pick 0 2048) * 1024 ))
  fallocate -l $(( avail - leave > 0 ? avail - leave : 1 )) "$RUN/$full/data/filler" 2>/dev/null \
    || dd if=/dev/zero of="$RUN/$full/data/filler" bs=1M 2>/dev/null || true
  fault "disk full on $full: $(df -B1 --output=avail "$RUN/$full/data" | tail -1) bytes free"
  sleep "$hold"
  rm -f "$RUN/$full/data/filler"
  fault "space freed on $full: $(df -B1 --output=avail "$RUN/$full/data" | tail -1) bytes free"
}
