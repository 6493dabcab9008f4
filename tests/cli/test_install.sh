#!/usr/bin/env bash
# An installed lrbench works from any directory: `cmake --install` into a
# temporary prefix, then the installed binary renders a report of a results
# directory from elsewhere, with no LRBENCH_WEB_DIR and the uPlot it finds
# next to itself (PREFIX/share/lrbench/web).  Then the Debian package of
# `cpack -G DEB`: its Depends, its files, and the same report from its
# unpacked tree (dpkg-deb -x).
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lrbench-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }

# A small results directory: the report fixture's suite 002 only.
mkdir -p "$tmp/results/manifests" "$tmp/results/verdicts"
cp -r "$src/tests/fixtures/results/002" "$tmp/results/"
cp "$src/tests/fixtures/results/manifests/002."*.json "$tmp/results/manifests/"
cp "$src/tests/fixtures/results/verdicts/002."*.json "$tmp/results/verdicts/"

# render EXE: a report from another directory, without LRBENCH_WEB_DIR; prints the page.
render() {
  local exe=$1 where=$tmp/elsewhere-$RANDOM
  mkdir -p "$where"
  (cd "$where" && env -u LRBENCH_WEB_DIR "$exe" report --results ../results --out report > log.txt 2>&1) ||
    { cat "$where/log.txt" >&2; fail "$exe report failed"; }
  [ -s "$where/report/figures/002-loss-vs-epoch.png" ] || fail "no figure from $exe"
  cat "$where/report/index.html"
}

cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "install failed"; }
exe=$tmp/prefix/bin/lrbench
[ -x "$exe" ] || fail "no $exe"
"$exe" --version | grep -q '^lrbench ' || fail "$exe --version"
web=$tmp/prefix/share/lrbench/web/uplot
for f in dist/uPlot.iife.min.js dist/uPlot.min.css package.json LICENSE; do
  [ -s "$web/$f" ] || fail "not installed: $web/$f"
done
# Mark the installed copy: the page must name it, not the source tree's.
sed -i 's/"version": *"[^"]*"/"version": "installed-copy"/' "$web/package.json"
render "$exe" > "$tmp/page.html"
grep -q 'uPlot installed-copy' "$tmp/page.html" || fail "the installed lrbench did not use its own share/lrbench/web"
echo "installed lrbench renders a report from any directory"

if command -v cpack > /dev/null && command -v dpkg-deb > /dev/null && command -v dpkg-shlibdeps > /dev/null; then
  cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/pkg" > "$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
  deb=$(ls "$tmp"/pkg/lrbench_*.deb)
  depends=$(dpkg-deb -f "$deb" Depends)
  for lib in libboost-program-options libfmt zlib1g libssl libgomp1 libstdc++6 libc6 'gnuplot-nox | gnuplot'; do
    case "$depends" in *"$lib"*) ;; *) fail "Depends lacks $lib: $depends" ;; esac
  done
  dpkg-deb -c "$deb" > "$tmp/contents.txt"
  grep -q '\./usr/bin/lrbench$' "$tmp/contents.txt" || fail "the package has no /usr/bin/lrbench"
  grep -q '\./usr/share/lrbench/web/uplot/dist/uPlot.iife.min.js$' "$tmp/contents.txt" || fail "no uPlot in the package"
  dpkg-deb -x "$deb" "$tmp/root"
  sed -i 's/"version": *"[^"]*"/"version": "packaged-copy"/' "$tmp/root/usr/share/lrbench/web/uplot/package.json"
  render "$tmp/root/usr/bin/lrbench" > "$tmp/page.html"
  grep -q 'uPlot packaged-copy' "$tmp/page.html" || fail "the packaged lrbench did not find its assets"
  echo "deb: $(basename "$deb"), Depends: $depends"
else
  echo "cpack, dpkg-deb or dpkg-shlibdeps missing: the Debian package is not checked"
fi
