#!/bin/sh
# Make sure the Debian packages needlesim needs are installed.
#   sh .ci/deps.sh check    install what is missing when root; otherwise print the install line and fail
#   sh .ci/deps.sh install  the same, said explicitly (make deps)
# Package names are Debian 12's.
set -u
PKGS="build-essential pkg-config libgsl-dev libhdf5-dev hdf5-tools libinih-dev libcmocka-dev python3 python3-h5py python3-numpy python3-matplotlib valgrind"

missing=""
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "needlesim: dpkg-query not found; this set-up script supports Debian/Ubuntu only." >&2
  echo "needlesim: install by hand: $PKGS" >&2
  exit 1
fi
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  case "$st" in
    *"ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = "0" ]; then
  echo "needlesim: installing missing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || { echo "needlesim: apt-get update failed" >&2; exit 1; }
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing || { echo "needlesim: apt-get install failed" >&2; exit 1; }
  exit 0
fi
echo "needlesim: missing Debian packages:$missing" >&2
echo "needlesim: install them with:" >&2
echo "    sudo apt-get install -y$missing" >&2
exit 1
