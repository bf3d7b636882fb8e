#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only those that are missing.
# CI runs as root on a fresh machine; a developer without root gets a clear message.
set -euo pipefail

# Packages grow with the issues (chromium for browser tests, postgresql, redis).
packages=(python3-venv postgresql chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
