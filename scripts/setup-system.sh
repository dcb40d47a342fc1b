#!/usr/bin/env bash
# Install the Debian packages briefpress needs, when they are missing.
#   scripts/setup-system.sh build   fonts and the fast font subsetter (for `make`)
#   scripts/setup-system.sh test    the above plus the validators (for `make test`)
# As root it runs apt-get; otherwise it prints the exact command to run and fails.
set -euo pipefail

# fontconfig: its configuration and fc-cache (briefpress looks fonts up with its library).
# libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0: the libraries WeasyPrint loads
# (its documented Debian packages; a minimal Debian 12 has none of them).
build_packages=(fonts-noto-cjk fonts-noto-core fontconfig
                libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
# epubcheck is run as `java -jar /usr/share/java/epubcheck.jar`: Debian's wrapper
# script needs binfmt support that containers lack.
# chromium: the browser tests of the site (driven by Playwright, never downloaded).
# libatomic1: Playwright's bundled node driver cannot start without it.
# nodejs, npm: DAISY Ace and axe-core (node/package.json), the accessibility checkers.
test_packages=(poppler-utils epubcheck qpdf gettext chromium libatomic1 nodejs npm)

packages=("${build_packages[@]}")
[ "${1:-build}" = test ] && packages+=("${test_packages[@]}")
# A fresh Debian python3 cannot make virtual environments without python3-venv.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  # A Node.js from another source (e.g. a nodejs package that bundles npm and conflicts
  # with Debian's npm) serves as well: only a missing command is installed.
  case "$p" in nodejs|npm) command -v "${p/nodejs/node}" >/dev/null && continue;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "briefpress needs these Debian packages: ${missing[*]}" >&2
  echo "Install them as root, then run make again:" >&2
  echo "  sudo sh -c '$command'" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
