#!/usr/bin/env bash
# Installs the Debian packages the tests and `make up` use, only those missing.
# redis-server and nats-server back the Redis store (infra/services.sh starts them; the
# packages' systemd units are not used: there is no systemd here).
# Each line: the binary we check for, then the Debian package that provides it.
# (Checked by binary, not by package name: a daemon may come from elsewhere.)
set -euo pipefail

REQUIRED=(
  # binary        package
  "flock          util-linux"
  "make           make"
  "g++            g++"
  "redis-server   redis-server"
  "redis-cli      redis-tools"
  "nats-server    nats-server"
)

missing=()
for entry in "${REQUIRED[@]}"; do
  read -r bin pkg <<<"$entry"
  # Debian installs some daemons (nats-server) in /usr/sbin, not on every PATH.
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then missing+=("$pkg"); fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "infra: system packages present"
  exit 0
fi

echo "infra: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
