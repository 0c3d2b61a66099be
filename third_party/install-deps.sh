#!/usr/bin/env bash
# Installs bertpp's build dependencies from Debian's packages when missing.
# Nothing is vendored: Eigen, utf8proc, nlohmann_json and Catch2 (v2) come from apt.
# Optional components: SentencePiece for translation (MarianMT); cpp-httplib for
# the server (`bertpp serve`); Dask and
# NumPy (for /usr/bin/python3) for the scale-out example in examples/distributed.
set -euo pipefail
packages=(cmake g++ make pkg-config libeigen3-dev libutf8proc-dev nlohmann-json3-dev catch2)
packages+=(libcpp-httplib-dev python3-dask python3-distributed python3-numpy)
packages+=(libsentencepiece-dev)
packages+=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
