#!/bin/sh
# `cpack -G DEB` builds a Debian package of the installed tree (docs/install.md) that declares
# the library packages the program needs and runs once unpacked anywhere. (Installing it with
# apt in a fresh Debian root is a check of its own, outside CTest.) Skipped (77) without
# dpkg-deb.
#
#   sh tests/install/deb_test.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd -P)
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found: skipped"; exit 77; }
work=$(cd "$(mktemp -d)" && pwd -P)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  fail "cpack -G DEB"
}
set -- "$work"/airace_*.deb
test -f "$1" || fail "no airace_*.deb in $(ls "$work")"
deb=$1
field() { dpkg-deb -f "$deb" "$1"; }
test "$(field Package)" = airace || fail "Package: $(field Package)"
version=$(sed -n 's/^project(airace VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
test "$(field Version)" = "$version" || fail "Version: $(field Version), not $version"
depends=$(field Depends)
for lib in libtbb12 libyaml-cpp0.7 libhdf5-103-1 libhdf5-hl-100 libssl3 zlib1g libdeflate0 libstdc++6; do
  case "$depends" in *"$lib"*) ;; *) fail "Depends does not name $lib: $depends" ;; esac
done
case "$(field Recommends)" in *python3-h5py*) ;; *) fail "Recommends: $(field Recommends)" ;; esac
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/airace ./usr/share/airace/scenarios/baseline.yaml \
         ./usr/share/airace/scripts/plot.py ./usr/share/doc/airace/LICENSE; do
  echo "$files" | grep -qx "$f" || fail "$f is not in the package"
done

# Unpacked anywhere, the program runs and finds its scenarios beside itself.
dpkg-deb -x "$deb" "$work/root"
cd "$work"
"$work/root/usr/bin/airace" run --replicates 1 --set scenario.end=2022-12-31 -q -o run.h5 \
  >/dev/null || fail "the packaged airace does not run its default scenario"
echo "$(basename "$deb"): Depends: $depends"
