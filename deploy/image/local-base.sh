#!/usr/bin/env bash
# Builds a local stand-in for the official `node:24-slim` image where no image registry is
# reachable: a Debian bookworm minimal root (debootstrap, from Debian's own mirror as configured)
# plus the project's own Node 24 binary (the npm `node` package in node_modules) and npm from the
# npm registry. Then: podman build --build-arg NODE_IMAGE=localhost/node:24-slim -t aisre .
# Needs root, debootstrap and podman. Usage: deploy/image/local-base.sh [workdir]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d)}
root="$work/rootfs"
[ -x node_modules/node/bin/node ] || { echo "run npm install first (node_modules/node/bin/node missing)" >&2; exit 1; }
[ -d "$root/usr" ] || debootstrap --variant=minbase bookworm "$root"
install -D -m 0755 node_modules/node/bin/node "$root/usr/local/bin/node"
strip --strip-debug "$root/usr/local/bin/node" 2>/dev/null || true
tarball=$(cd "$work" && npm pack --silent npm@11 | tail -1)
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/$tarball" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The official image's user, group and numeric id (1000).
chroot "$root" sh -c 'getent group node >/dev/null || groupadd --gid 1000 node; getent passwd node >/dev/null || useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - localhost/node:24-slim
podman run --rm localhost/node:24-slim sh -c 'node --version && npm --version'
