#!/bin/sh
# The fuzz_elf test: libFuzzer on the ELF loader for a bounded time, seeded
# with the built images. New inputs go to a scratch corpus, never into the
# image directory; crashes are kept in ARTIFACTS for fuzz_elf_replay.
# usage: fuzz_elf.sh FUZZER IMAGES_DIR ARTIFACTS SECONDS
set -eu
fuzzer=$1 images=$2 artifacts=$3 seconds=$4

corpus=$(mktemp -d "${TMPDIR:-/tmp}/l4sim-fuzz-elf.XXXXXX")
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "$images"
