#!/bin/bash
# Mesa 25 lavapipe (Debian's bookworm-backports) in a private folder, beside the
# system's Mesa 22.3, which stays untouched: a second driver to run vkcnn on.
#
#   scripts/lavapipe-backports.sh [--force] [DIR]
#
# DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn/mesa25. The script
#   1. adds the bookworm-backports apt source if no source names it (its own
#      file, /etc/apt/sources.list.d/vkcnn-bookworm-backports.list; backports
#      are pinned at priority 100, so no system package is upgraded from it)
#      and refreshes that list alone;
#   2. `apt-get download`s mesa-vulkan-drivers from bookworm-backports and each
#      of its dependencies the system lacks at the version it asks for
#      (libdrm2 and libdrm-amdgpu1 on Debian 12), then theirs, and so on;
#   3. `dpkg -x`s them into DIR, checks with `ldd -r` that libvulkan_lvp.so
#      resolves every library and symbol there, and
#   4. writes DIR/lvp_icd.json (absolute library_path) and DIR/env.sh.
# It prints the two variables that select the driver, as shell:
#
#   eval "$(scripts/lavapipe-backports.sh)"   # or: . DIR/env.sh
#   build/vkcnn devices                       # llvmpipe ... Mesa 25.0.x
#
# Once installed it only checks the folder and prints them (no apt, no
# network); --force downloads and unpacks again. Needs root (or sudo) only to
# add the apt source and refresh its list. Messages go to stderr.
set -euo pipefail

force=0
dir=""
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "lavapipe-backports: unknown option '$a'" >&2; exit 2 ;;
    *) [[ -z "$dir" ]] || { echo "lavapipe-backports: one folder only ('$dir', '$a')" >&2; exit 2; }
       dir=$a ;;
  esac
done
dir=${dir:-${XDG_CACHE_HOME:-$HOME/.cache}/vkcnn/mesa25}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
suite=bookworm-backports
libdir=$dir/usr/lib/x86_64-linux-gnu
icd=$dir/lvp_icd.json
stamp=$dir/installed

say() { echo "lavapipe-backports: $*" >&2; }
die() { say "$*"; exit 1; }

print_env() {
  local ld="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  printf 'export VK_DRIVER_FILES=%q\nexport LD_LIBRARY_PATH=%q\n' "$icd" "$ld"
}

# The library must load and resolve from the folder (ldd -r: libraries and
# symbols); prints what is missing.
unresolved() {
  LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd -r "$libdir/libvulkan_lvp.so" 2>&1 |
    grep -E 'not found|undefined symbol' || true
}

if [[ $force -eq 0 && -f "$stamp" && -f "$icd" && -f "$libdir/libvulkan_lvp.so" ]]; then
  say "$(cat "$stamp") already in $dir"
  print_env
  exit 0
fi

[[ "$(dpkg --print-architecture 2>/dev/null)" == amd64 ]] || die "needs Debian on amd64 (dpkg)"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
as_root() {
  [[ -z "$sudo" ]] || command -v sudo >/dev/null || die "need root or sudo to $1"
  shift
  $sudo "$@"
}

# 1. the apt source, and its list
if ! apt-cache policy 2>/dev/null | grep -q " $suite/main "; then
  list=/etc/apt/sources.list.d/vkcnn-bookworm-backports.list
  if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "adding $list"
    echo "deb http://deb.debian.org/debian $suite main" | as_root "add the $suite apt source" tee "$list" >/dev/null
  fi
  say "refreshing the package lists"
  as_root "refresh apt's lists" apt-get update -qq ||
    die "apt-get update failed (is deb.debian.org reachable?)"
fi
apt-cache show "mesa-vulkan-drivers/$suite" >/dev/null 2>&1 ||
  die "no mesa-vulkan-drivers in $suite (apt-cache show mesa-vulkan-drivers/$suite)"

# 2. what to download: mesa-vulkan-drivers, then each dependency that the
# system lacks or has older than asked, from backports where it is there
# (the first alternative of each; libvulkan1 is the loader, the system's own)
candidate() { # candidate PKG -> "PKG/suite" (backports if it has it) or PKG
  if apt-cache show "$1/$suite" >/dev/null 2>&1; then echo "$1/$suite"; else echo "$1"; fi
}
declare -A seen=()
queue=("mesa-vulkan-drivers/$suite")
fetch=()
while [[ ${#queue[@]} -gt 0 ]]; do
  spec=${queue[0]}
  queue=("${queue[@]:1}")
  [[ -n "${seen[$spec]:-}" ]] && continue
  seen[$spec]=1
  fetch+=("$spec")
  deps=$(apt-cache show "$spec" 2>/dev/null | sed -n 's/^Depends: //p' | head -1)
  IFS=',' read -ra items <<<"$deps"
  for item in "${items[@]}"; do
    item=${item%%|*}                            # first alternative
    name=$(sed -E 's/^ *([^ (:]+).*/\1/' <<<"$item")
    [[ -z "$name" || "$name" == libvulkan1 ]] && continue
    want=$(sed -nE 's/.*\(([<>=]+) *([^)]+)\).*/\1 \2/p' <<<"$item")
    have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null |
      sed -n 's/^install ok installed //p')
    if [[ -n "$have" ]]; then
      [[ -z "$want" ]] && continue
      op=${want%% *}
      case "$op" in '>=') op=ge ;; '<=') op=le ;; '>>') op=gt ;; '<<') op=lt ;; '=') op=eq ;; esac
      dpkg --compare-versions "$have" "$op" "${want#* }" && continue
    fi
    queue+=("$(candidate "$name")")
  done
done

# 3. download and unpack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # apt's download user reads the folder
say "downloading ${fetch[*]}"
(cd "$tmp" && apt-get download -qq "${fetch[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
debs=("$tmp"/*.deb)
[[ -f "${debs[0]}" && ${#debs[@]} -eq ${#fetch[@]} ]] ||
  die "apt-get download got ${#debs[@]} of ${#fetch[@]} packages (${fetch[*]})"
rm -rf "$dir/usr" "$stamp"
for d in "${debs[@]}"; do dpkg -x "$d" "$dir"; done
[[ -f "$libdir/libvulkan_lvp.so" ]] || die "no libvulkan_lvp.so in the unpacked packages"
missing=$(unresolved)
[[ -z "$missing" ]] || die "libvulkan_lvp.so does not resolve from $libdir:"$'\n'"$missing"

# 4. the ICD file (the packaged one, with an absolute library_path) and env.sh
packaged=$dir/usr/share/vulkan/icd.d/lvp_icd.json
[[ -f "$packaged" ]] || die "no lvp_icd.json in the package"
sed -E "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$libdir/libvulkan_lvp.so\"#" \
  "$packaged" >"$icd"
grep -q "\"$libdir/libvulkan_lvp.so\"" "$icd" || die "could not set library_path in $icd"
cat >"$dir/env.sh" <<EOF
# Selects Mesa 25 lavapipe from this folder (scripts/lavapipe-backports.sh).
export VK_DRIVER_FILES=$(printf %q "$icd")
export LD_LIBRARY_PATH=$(printf %q "$libdir")\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
EOF
version=$(dpkg-deb -f "$tmp"/mesa-vulkan-drivers_*.deb Version)
echo "mesa-vulkan-drivers $version" >"$stamp"
say "mesa-vulkan-drivers $version in $dir"
print_env
