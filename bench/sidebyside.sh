#!/usr/bin/env bash
# Ensemble and LiveKit side by side (BENCHMARKS.md, "Side by side with LiveKit"): each
# scenario on each server in turn, the server pinned to core 0 and its load generator to
# core 1, a fresh server per run; one tab-separated row per run on standard output.
#
#   bench/sidebyside.sh ROUNDS [SCENARIO...]     scenarios: l50 l150 audio room6 l50f
#
# ENSEMBLE (an `ensemble` binary), LIVEKIT (livekit-server, built from its own repository
# with `go build ./cmd/server`) and LIVEKITGEN (`go build` in bench/livekitgen) name the
# binaries. Columns: run, server, load average before->after, server % of a core, media
# packets received in the window, per second, server µs per received media packet,
# server RSS MB, generator % of a core, loss %, freezes, tracks, Mbit/s received.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${ENSEMBLE:?path of the ensemble binary}" "${LIVEKIT:?path of livekit-server}" "${LIVEKITGEN:?path of livekitgen}"
dur=${DUR:-20s}
out=${OUT:-/tmp/sidebyside}; mkdir -p "$out"
rounds=${1:-3}; shift || true
scenarios=${*:-l50 l150 audio room6 l50f}

declare -A ENS LK
ENS[l50]="--publishers 1 --subscribers 50 --simulcast --subscriber-mode light";   LK[l50]="-publishers 1 -subs 50"
ENS[l150]="--publishers 1 --subscribers 150 --simulcast --subscriber-mode light"; LK[l150]="-publishers 1 -subs 150"
ENS[audio]="--publishers 10 --subscribers 50 --audio-only --subscriber-mode light"; LK[audio]="-publishers 10 -subs 50 -audio-only"
ENS[room6]="--publishers 6 --simulcast";                                          LK[room6]="-publishers 6 -subs 0"
ENS[l50f]="--publishers 1 --subscribers 50 --simulcast --subscriber-mode full";   LK[l50f]="-publishers 1 -subs 50"

loadavg() { cut -d' ' -f1 /proc/loadavg; }

ensemble() { # name flags...
  local name=$1; shift
  local d=$out/$name; rm -rf "$d"; mkdir -p "$d"
  taskset -c 0 "$ENSEMBLE" serve --dev --http-port 37880 --tcp-port 37881 --udp-port 37882 \
      --data-dir "$d/data" --log-level warn > "$d/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:37880/metrics > /dev/null && break; sleep 0.2; done
  local l0; l0=$(loadavg)
  taskset -c 1 "$ENSEMBLE" loadtest --dev --url ws://127.0.0.1:37880 --duration "$dur" \
      --join-timeout 4m --json "$d/report.json" "$@" > "$d/generator.log" 2>&1
  local rss; rss=$(awk '/VmRSS/{print $2/1024}' /proc/$pid/status)
  local l1; l1=$(loadavg)
  kill $pid; wait $pid 2> /dev/null
  python3 - "$name" "$l0" "$l1" "$rss" "$d/report.json" <<'PY'
import json, sys
name, l0, l1, rss, path = sys.argv[1:]
r = json.load(open(path))
cpu, w, pk = r["server_cpu_s"], r["duration_measured_s"], r["packets_received_measured"]
print("\t".join(map(str, [name, "ensemble", f"{l0}->{l1}", f"{100*cpu/w:.1f}", pk, f"{pk/w:.0f}",
    f"{1e6*cpu/pk:.2f}", f"{float(rss):.0f}", f"{100*(r.get('generator_cpu_s') or 0)/w:.1f}",
    f"{r['loss_pct']:.2f}", r["freezes"], f"{r['tracks_subscribed']}/{r['tracks_expected']}",
    f"{r['bitrate_kbps']/1000:.1f}"])))
PY
}

livekit() { # name flags...
  local name=$1; shift
  local d=$out/$name; rm -rf "$d"; mkdir -p "$d"
  taskset -c 0 "$LIVEKIT" --config "$here/livekit.yaml" > "$d/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do curl -s http://127.0.0.1:7880/ > /dev/null && break; sleep 0.2; done
  local l0; l0=$(loadavg)
  taskset -c 1 "$LIVEKITGEN" -pid $pid -duration "$dur" -json "$d/report.json" "$@" > "$d/generator.log" 2>&1
  local l1; l1=$(loadavg)
  kill $pid; wait $pid 2> /dev/null
  python3 - "$name" "$l0" "$l1" "$d/report.json" <<'PY'
import json, sys
name, l0, l1, path = sys.argv[1:]
r = json.load(open(path))
print("\t".join(map(str, [name, "livekit", f"{l0}->{l1}", f"{r['server_core_pct']:.1f}", r["packets"],
    f"{r['packets_per_s']:.0f}", f"{r['server_us_per_packet']:.2f}", f"{r['server_rss_mb']:.0f}",
    f"{r['generator_core_pct']:.1f}", f"{r['loss_pct']:.2f}", "-", r["video_tracks"], f"{r['received_mbps']:.1f}"])))
PY
}

for r in $(seq "$rounds"); do
  for s in $scenarios; do
    # Alternate which server goes first, so that a drift of the machine's speed
    # does not always favour the same one.
    if (( r % 2 )); then order="ensemble livekit"; else order="livekit ensemble"; fi
    for who in $order; do
      if [ "$who" = ensemble ]; then ensemble "ens-$s-$r" ${ENS[$s]}
      else livekit "lk-$s-$r" ${LK[$s]}; fi
      sleep 3
    done
  done
done
