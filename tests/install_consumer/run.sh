#!/bin/sh
# The install_consumers test: `cmake --install` into a temporary prefix, then
# a pkg-config consumer and a find_package(L4Sim) consumer built and run.
# usage: run.sh BUILD_DIR THIS_DIR LIBDIR CMAKE PKG_CONFIG CC [CFLAGS]
set -eu
build=$1 here=$2 libdir=$3 cmake=$4 pkgconfig=$5 cc=$6 cflags=${7:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/l4sim-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

echo "== cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
    cat "$tmp/install.log"
    exit 1
}
for f in "$libdir/libl4sim.a" "$libdir/libl4sim.so" "$libdir/pkgconfig/l4sim.pc" \
    "$libdir/cmake/L4Sim/L4SimConfig.cmake" "$libdir/cmake/L4Sim/L4SimConfigVersion.cmake" \
    include/l4sim/l4sim.h include/l4sim/abi.h; do
    [ -e "$prefix/$f" ] || {
        echo "FAIL: $f was not installed"
        exit 1
    }
done
# The unversioned name must be the soname link chain, not a copy.
[ -L "$prefix/$libdir/libl4sim.so" ] || {
    echo "FAIL: libl4sim.so is not a symlink"
    exit 1
}

echo "== pkg-config consumer"
pcflags=$(PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig "$pkgconfig" --cflags --libs l4sim)
echo "pkg-config --cflags --libs l4sim: $pcflags"
case "$pcflags" in
*"$prefix"*) ;;
*)
    echo "FAIL: l4sim.pc does not point into the install prefix"
    exit 1
    ;;
esac
# A static link needs libelf (the ELF loader's) and what libelf needs.
pcstatic=$(PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig "$pkgconfig" --static --libs l4sim)
echo "pkg-config --static --libs l4sim: $pcstatic"
case "$pcstatic" in
*-lelf*) ;;
*)
    echo "FAIL: l4sim.pc does not bring libelf to a static link"
    exit 1
    ;;
esac
# shellcheck disable=SC2086 # flag lists are meant to split
"$cc" $cflags -o "$tmp/pc_consumer" "$here/consumer.c" $pcflags
LD_LIBRARY_PATH=$prefix/$libdir "$tmp/pc_consumer"

echo "== find_package(L4Sim) consumer"
"$cmake" -S "$here" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" -DCMAKE_BUILD_TYPE=Release \
    >"$tmp/configure.log" || {
    cat "$tmp/configure.log"
    exit 1
}
"$cmake" --build "$tmp/cmake-build"
"$tmp/cmake-build/consumer_static"
"$tmp/cmake-build/consumer_shared"
echo "install_consumers: ok"
