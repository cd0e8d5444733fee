#!/usr/bin/env bash
# Install this Annotator bundle like an application: menu entry, icons, project-file type.
#
#   ./install.sh                      for you: ~/.local/lib/annotator, ~/.local/bin/annotator
#   sudo ./install.sh --prefix /usr/local    for everyone
#   ./install.sh --uninstall [--prefix DIR]  remove it again (your projects and settings stay)
#
# build.py copies this script beside the bundle's executable (dist/annotator/install.sh). It
# copies the bundle to PREFIX/lib/annotator, links PREFIX/bin/annotator to it and installs,
# under PREFIX/share, the .desktop file (which runs `annotator gui FILE`), the icons (hicolor
# theme), the AppStream metainfo and the MIME type application/x-annotator-project (*.annotator,
# or an SQLite file whose application_id is "ANNO"), so double-clicking a project opens it.
set -euo pipefail

APP_ID=io.github.annotator.Annotator
prefix="${HOME}/.local"
uninstall=0
while (($#)); do
    case "$1" in
        --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
prefix="$(mkdir -p "$prefix" && cd "$prefix" && pwd)"
bundle="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$prefix/lib/annotator"
share="$prefix/share"
sizes=(16 32 48 64 128 256 512)

refresh_caches() {
    if command -v update-mime-database >/dev/null; then update-mime-database "$share/mime"; fi
    if command -v update-desktop-database >/dev/null; then
        update-desktop-database -q "$share/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null && [[ -f "$share/icons/hicolor/index.theme" ]]; then
        gtk-update-icon-cache -q -t -f "$share/icons/hicolor" || true
    fi
}

is_bundle() { [[ -x "$1/annotator" && -d "$1/_internal" ]]; }

if ((uninstall)); then
    if [[ -e "$target" ]] && ! is_bundle "$target"; then
        echo "install.sh: $target is not an Annotator bundle; leaving it alone" >&2; exit 1
    fi
    rm -rf "$target"
    rm -f "$prefix/bin/annotator" "$share/applications/$APP_ID.desktop" \
        "$share/metainfo/$APP_ID.metainfo.xml" "$share/mime/packages/$APP_ID.xml" \
        "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
    for size in "${sizes[@]}"; do
        rm -f "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
    done
    mkdir -p "$share/mime/packages" "$share/applications"
    refresh_caches
    echo "Removed Annotator from $prefix (projects and settings are kept)."
    exit 0
fi

resources="$bundle/_internal/annotator/_resources"
if ! is_bundle "$bundle" || [[ ! -d "$resources/linux" ]]; then
    echo "install.sh: run the copy inside a built bundle (dist/annotator/install.sh)" >&2
    exit 1
fi
if [[ "$bundle" != "$target" ]]; then
    if [[ -e "$target" ]] && ! is_bundle "$target"; then
        echo "install.sh: $target exists and is not an Annotator bundle; not replacing it" >&2
        exit 1
    fi
    rm -rf "$target"
    mkdir -p "$prefix/lib"
    cp -a "$bundle" "$target"
fi
mkdir -p "$prefix/bin" "$share/applications" "$share/metainfo" "$share/mime/packages" \
    "$share/icons/hicolor/scalable/apps"
ln -sfn "$target/annotator" "$prefix/bin/annotator"

# The menu entry runs this copy by its full path: ~/.local/bin is not on every session's PATH.
# Desktop Entry quoting: %% for %, and a path with reserved characters goes in double quotes
# with " ` $ \ escaped by a backslash that is itself doubled (string-level escaping).
exe="$target/annotator"
exec_path="${exe//%/%%}"
if [[ "$exec_path" =~ [^A-Za-z0-9_./+,:@=-] ]]; then
    escaped=""
    for ((i = 0; i < ${#exec_path}; i++)); do
        char="${exec_path:i:1}"
        case "$char" in
            '"' | '`' | '$' | '\') escaped+="\\\\$char" ;;
            *) escaped+="$char" ;;
        esac
    done
    exec_path="\"$escaped\""
fi
while IFS= read -r line; do
    if [[ "$line" == "Exec=annotator "* ]]; then
        printf 'Exec=%s %s\n' "$exec_path" "${line#Exec=annotator }"
    else
        printf '%s\n' "$line"
    fi
done < "$resources/linux/$APP_ID.desktop" > "$share/applications/$APP_ID.desktop"
install -m 644 "$resources/linux/$APP_ID.metainfo.xml" "$share/metainfo/"
install -m 644 "$resources/linux/$APP_ID.xml" "$share/mime/packages/"
install -m 644 "$resources/icons/annotator.svg" "$share/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in "${sizes[@]}"; do
    mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
    install -m 644 "$resources/icons/annotator-$size.png" \
        "$share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches

echo "Installed Annotator $("$target/annotator" --version | sed 's/^annotator //') in $prefix."
echo "Start it from your applications menu, double-click a .annotator project, or run:"
echo "  $prefix/bin/annotator demo"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "($prefix/bin is not on your PATH; add it to run \`annotator\` by name.)" ;;
esac
