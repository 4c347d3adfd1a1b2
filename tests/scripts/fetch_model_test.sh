#!/usr/bin/env bash
# scripts/fetch_model.sh against a local HTTP server on loopback and a mirror
# folder: good files are installed, tampered ones refused and removed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/www" "$tmp/mirror"
printf 'pretend model bytes' > "$tmp/www/m.tflite"
cp "$tmp/www/m.tflite" "$tmp/mirror/m.tflite"
good=$(sha256sum "$tmp/www/m.tflite" | cut -d' ' -f1)
bad=0000000000000000000000000000000000000000000000000000000000000000

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:$port/m.tflite
fail() { echo "FAIL: $*"; exit 1; }
fetch() { "$src/scripts/fetch_model.sh" "$@" 2>&1; }

[[ $(fetch m.tflite "$good" "$url" "$tmp/d1") == *downloading* ]] || fail "no download"
cmp -s "$tmp/d1/m.tflite" "$tmp/www/m.tflite" || fail "downloaded bytes differ"
[[ $(fetch m.tflite "$good" "$url" "$tmp/d1") == *present* ]] || fail "second run refetched"
[[ $(fetch m.tflite "$good" http://127.0.0.1:9/none "$tmp/d2" "$tmp/mirror") == *mirror* ]] || fail "mirror not used"
if fetch m.tflite "$bad" "$url" "$tmp/d3" >/dev/null; then fail "bad checksum accepted"; fi
[ ! -e "$tmp/d3/m.tflite" ] && [ ! -e "$tmp/d3/m.tflite.part" ] || fail "rejected file left behind"
printf 'tampered' > "$tmp/d1/m.tflite"
[[ $(fetch m.tflite "$good" "$url" "$tmp/d1") == *downloading* ]] || fail "tampered copy kept"
cmp -s "$tmp/d1/m.tflite" "$tmp/www/m.tflite" || fail "tampered copy not replaced"
echo "fetch_model: 6 checks passed"
