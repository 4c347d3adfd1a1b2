#!/usr/bin/env bash
# Puts model NAME into DEST_DIR and checks it against its pinned SHA-256:
# copied from a mirror folder when one holds it, else downloaded from URL.
# A file that fails the check is deleted and the script exits non-zero.
#   scripts/fetch_model.sh NAME SHA256 URL DEST_DIR [MIRROR_DIR]
set -euo pipefail
name=$1 sum=$2 url=$3 dest_dir=$4 mirror=${5:-}
dest=$dest_dir/$name
mkdir -p "$dest_dir"
if [ -f "$dest" ] && echo "$sum  $dest" | sha256sum -c --quiet - >/dev/null 2>&1; then
  echo "$dest: present, SHA-256 ok"
  exit 0
fi
if [ -n "$mirror" ] && [ -f "$mirror/$name" ]; then
  echo "$dest: copying from mirror $mirror"
  cp "$mirror/$name" "$dest.part"
else
  echo "$dest: downloading $url"
  curl -fsSL --retry 3 --connect-timeout 20 --max-time 600 -o "$dest.part" "$url"
fi
if ! echo "$sum  $dest.part" | sha256sum -c --quiet - >/dev/null 2>&1; then
  rm -f "$dest.part"
  echo "error: $name: SHA-256 mismatch (expected $sum); refusing to use it" >&2
  exit 1
fi
mv "$dest.part" "$dest"
echo "$dest: SHA-256 ok"
