#!/usr/bin/env bash
# Checks apt_mirror (.ci/apt-mirror.sh) on sample apt sources; prints "ok" or each failure and exits 1.
# Run: bash .ci/apt-mirror.test.sh
set -uo pipefail
. "$(dirname "$0")/apt-mirror.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
expect() { # expect WANT SUITE FILE...
  local want=$1 got
  shift
  got=$(apt_mirror "$@")
  [[ $got == "$want" ]] || { echo "FAIL: apt_mirror $*: got '$got', want '$want'"; failures=$((failures + 1)); }
}

# Debian's default deb822 file: the security stanza comes second here, first in the next file.
cat >"$dir/debian.sources" <<'S'
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
S
cat >"$dir/security-first.sources" <<'S'
Types: deb deb-src
URIs: https://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: https://source-only.example/debian
Suites: bookworm

Enabled: no
Types: deb
URIs: https://disabled.example/debian
Suites: bookworm

types: deb
uris:
 https://continued.example/debian
 https://second.example/debian
suites:
 bookworm-updates
 bookworm
S
cat >"$dir/sources.list" <<'S'
# deb http://commented.example/debian bookworm main
deb-src http://source.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://list.example/debian bookworm main contrib
S

expect http://mirror.example/debian bookworm "$dir/debian.sources"
expect https://continued.example/debian bookworm "$dir/security-first.sources"
expect http://list.example/debian bookworm "$dir/sources.list"
expect http://mirror.example/debian-security bookworm-security "$dir/debian.sources"
expect http://list.example/debian bookworm "$dir/missing.sources" "$dir/sources.list" "$dir/debian.sources"
expect '' trixie "$dir/debian.sources" "$dir/sources.list"
apt_mirror trixie "$dir/debian.sources" >/dev/null && { echo 'FAIL: apt_mirror returned 0 with no source for trixie'; failures=$((failures + 1)); }

((failures == 0)) && echo ok
exit $((failures > 0))
