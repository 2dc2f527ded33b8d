#!/usr/bin/env bash
# Installs missing Debian packages that tests need (e.g. chromium for the
# browser tests). Needs root or passwordless sudo; otherwise says what to run.
# Usage: scripts/ensure-system-packages.sh COMMAND:PACKAGE ...
set -euo pipefail
missing=()
for pair in "$@"; do
  command_name="${pair%%:*}"
  package="${pair#*:}"
  command -v "$command_name" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
else
  echo "error: these Debian packages are needed and missing: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
