#!/usr/bin/env bash
# The README's promise, checked on a truly fresh machine: in a minimal Debian 12 root
# (debootstrap --variant=minbase, plus only git make python3 python3-venv ca-certificates),
# a clean clone of this repository's HEAD must pass `make` and then `make test`.
#
#   scripts/fresh-check.sh                 (as root; `make fresh-check` runs it)
#   scripts/fresh-check.sh "make test"     other commands, run in turn in the root
#
# Both run in a chroot with a clean environment (env -i: PATH, HOME, LANG and CI only),
# so nothing of this machine's set-up leaks in. Downloads are cached between runs in
# $BRIEFPRESS_FRESH_CACHE (default /var/cache/briefpress-fresh-check): debootstrap's
# packages (--cache-dir) and apt's .debs. A cache holds only what the fresh root would
# download anyway; it saves time, it changes nothing installed.
# The root is unmounted and removed however the check ends.
set -euo pipefail

SUITE=bookworm
BASE=git,make,python3,python3-venv,ca-certificates
CACHE=${BRIEFPRESS_FRESH_CACHE:-/var/cache/briefpress-fresh-check}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)

say() { printf 'fresh-check: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  say "run as root (debootstrap and chroot need it)"
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap \
    >/dev/null || { apt-get update -q >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        debootstrap >/dev/null; }
fi

# The mirror this machine's own apt uses for $SUITE: deb822 .sources first, then
# one-line lists; deb.debian.org if none names the suite.
mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
      function flush() { if (deb && hit && uri != "") { print uri; found = 1; exit } 
                         deb = hit = 0; uri = "" }
      /^[ \t]*$/ { flush(); next }
      /^Types:/  { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
      /^URIs:/   { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
      END { if (!found) flush() }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v suite="$SUITE" '$1 == "deb" {
      i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      if ($(i + 1) == suite) print $i }'
  echo http://deb.debian.org/debian
}
MIRROR=${BRIEFPRESS_FRESH_MIRROR:-$(mirror | head -1 || true)}

mkdir -p "$CACHE/debootstrap" "$CACHE/apt"
root=$(mktemp -d /var/tmp/briefpress-fresh.XXXXXX)
chmod 755 "$root"  # mktemp's 0700 would keep apt's unprivileged downloader out
mounts=(proc sys dev var/cache/apt/archives)
cleanup() {
  local status=$? m
  for m in "${mounts[@]}"; do
    if mountpoint -q "$root/$m"; then umount -R "$root/$m" || umount -R -l "$root/$m"; fi
  done
  # Should an unmount have failed, leave the root rather than reach into what is
  # mounted there; --one-file-system guards the rest.
  if grep -q " $root/" /proc/self/mountinfo; then
    say "could not unmount everything under $root: left in place"
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
say "debootstrap $SUITE from $MIRROR into $root"
debootstrap --variant=minbase --include="$BASE" --cache-dir="$CACHE/debootstrap" \
  "$SUITE" "$root" "$MIRROR" >"$root.debootstrap.log" 2>&1 ||
  { tail -20 "$root.debootstrap.log" >&2; rm -f "$root.debootstrap.log"; exit 1; }
rm -f "$root.debootstrap.log"
say "root ready in $((SECONDS - start)) s"

# Environment details, not set-up that briefpress may rely on:
# - name resolution, as any machine on this network has it;
# - this machine's CA bundle, so that pip reaches the package registry exactly as it
#   does on the host (which may sit behind a TLS-inspecting proxy), with pip told to
#   use it as the host's pip is;
# - no service starts inside the chroot.
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev"  # with /dev/shm, which Chromium needs
mount --make-rslave "$root/dev"
mount --bind "$CACHE/apt" "$root/var/cache/apt/archives"

commit=$(git -C "$repo" rev-parse HEAD)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  say "note: uncommitted changes are not checked, only HEAD ($commit)"
fi
git clone -q --no-checkout "$repo" "$root/root/briefpress"
git -C "$root/root/briefpress" checkout -q --detach "$commit"

in_root() {
  chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 ${CI:+CI="$CI"} bash -c "cd /root/briefpress && $1"
}
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(make "make test")
for step in "${steps[@]}"; do
  t=$SECONDS
  say "running \`$step\` in the fresh root"
  if ! in_root "$step"; then
    say "FAILED: \`$step\` on a fresh Debian $SUITE (after $((SECONDS - t)) s)"
    exit 1
  fi
  say "\`$step\` passed in $((SECONDS - t)) s"
done
say "passed: ${steps[*]} on a fresh Debian $SUITE root, at $commit ($((SECONDS - start)) s in all)"
