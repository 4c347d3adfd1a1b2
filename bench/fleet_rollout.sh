#!/usr/bin/env bash
# A fleet on this machine: a Mosquitto broker, the HTTP artifact server of the tests and N `edgerun agent`
# processes. Publishes version 1.0.0 of a model to all of them, then 1.1.0 with a canary stage, and prints what
# `edgerun fleet publish --json` reports (time to full rollout, bytes the devices downloaded) with the server's
# own count of bytes sent.
#
#   bench/fleet_rollout.sh [--agents 50] [--canary 10] [--model ../shared/models/mobilenet_v2_1.0_224_quant.tflite]
#
# Needs build/edgerun, /usr/sbin/mosquitto and python3. Everything runs on loopback in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
agents=50
canary=10
model=${EDGERUN_SHARED_DIR:-$root/../shared}/models/mobilenet_v2_1.0_224_quant.tflite
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) agents=$2; shift 2 ;;
    --canary) canary=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    *) echo "usage: $0 [--agents N] [--canary PCT] [--model M.tflite]" >&2; exit 2 ;;
  esac
done
edgerun=$root/build/edgerun
work=$(mktemp -d /tmp/edgerun-fleet.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

broker_port=$(port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n' "$broker_port" > mosquitto.conf
/usr/sbin/mosquitto -c mosquitto.conf > mosquitto.log 2>&1 & pids+=($!)
mkdir art
python3 "$root/tests/agent/artifact_server.py" --dir art --port 0 > server.port 2> server.log & pids+=($!)
for _ in $(seq 100); do [ -s server.port ] && break; sleep 0.05; done
server_port=$(head -1 server.port)

"$edgerun" keygen release > /dev/null
for v in 1.0.0 1.1.0; do
  "$edgerun" bundle create --model "$model" --name model --version "$v" --health-image "$root/../shared/images/grace_hopper.bmp" \
      --sign-key release.key -o "model-$v.erb" > /dev/null
done
for i in $(seq "$agents"); do
  id=$(printf 'dev%03d' "$i")
  printf '{"device_id": "%s", "state_dir": "state-%s", "trusted_keys": ["release.pub"], "mqtt": {"port": %s}, "topic_prefix": "bench"}\n' \
      "$id" "$id" "$broker_port" > "$id.json"
  "$edgerun" agent --config "$id.json" 2>> agents.log & pids+=($!)
done

publish() {
  "$edgerun" fleet publish "model-$1.erb" --broker "127.0.0.1:$broker_port" --prefix bench --artifacts art \
      --base-url "http://127.0.0.1:$server_port" --trust release.pub --expect-devices "$agents" --canary "$2" --json
}
stats() { curl -s "http://127.0.0.1:$server_port/_stats"; }
publish 1.0.0 100 > first.json
before=$(stats)
publish 1.1.0 "$canary" > second.json
after=$(stats)
python3 - "$agents" "$canary" "$(stat -c %s model-1.1.0.erb)" "$before" "$after" <<'PY'
import json, sys
agents, canary, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
before, after = json.loads(sys.argv[4]), json.loads(sys.argv[5])
for name, label in (("first.json", "1.0.0, no canary"), ("second.json", "1.1.0, canary %s%%" % canary)):
    r = json.load(open(name))
    print("%-22s devices %d, canaries %d, updated %d, failed %d, halted %s; %.2f s to full rollout (canary stage %.2f s); "
          "devices downloaded %d bytes" % (label, r["devices"], r["canaries"], r["updated"], r["failed"], r["halted"],
                                           r["seconds_total"], r["seconds_canary"], r["bytes_downloaded"]))
sent = after["bytes_sent"] - before["bytes_sent"]
print("1.1.0: bundle %d bytes; the server sent %d bytes for it (%.2f x bundle x devices)" % (size, sent, sent / (size * int(agents))))
PY
