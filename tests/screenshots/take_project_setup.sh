#!/usr/bin/env bash
# Screenshots of the new-project wizard, the label schema editor and the overview dashboard,
# taken from the real window under Xvfb (display :96). Not part of the test run. Needs what
# take.sh needs. Writes resources/screenshots/{wizard,schema-editor,overview}.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=resources/screenshots
mkdir -p "$out"
work=$(mktemp -d)
export ANNOTATOR_DATA_DIR="$work/data" ANNOTATOR_CONFIG_DIR="$work/config"
mkdir -p "$ANNOTATOR_CONFIG_DIR"
printf '{"annotator_name": "Maren", "font_point_size": 11}\n' \
    > "$ANNOTATOR_CONFIG_DIR/preferences.json"
project=$(.venv/bin/annotator demo --no-gui)
.venv/bin/python tests/screenshots/prepare_demo.py "$project"
.venv/bin/python tests/screenshots/prepare_overview_demo.py "$project"

Xvfb :96 -screen 0 1440x900x24 -nolisten tcp & xvfb=$!
app=""
cleanup() {
    [[ -n $app ]] && kill "$app" 2>/dev/null
    kill "$xvfb" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export DISPLAY=:96
unset QT_QPA_PLATFORM
until xdpyinfo >/dev/null 2>&1; do sleep 0.1; done
.venv/bin/annotator gui "$project" & app=$!
wid=$(xdotool search --sync --onlyvisible --name "Annotator" | head -1)
sleep 1.5
xdotool windowsize "$wid" 1440 900
sleep 1
xdotool windowfocus --sync "$wid"
shot() {  # the window named $2 alone
    sleep 0.8
    local target
    target=$(xdotool search --onlyvisible --name "$2" | head -1)
    import -window "$target" "PNG8:$out/$1.png"
    echo "wrote $out/$1.png"
}

# 1. The wizard's third page (the starting schema): Ctrl+Shift+N, Next, Next.
xdotool key ctrl+shift+n
sleep 1
xdotool key Return
sleep 0.4
xdotool key Return
shot wizard "New project"
xdotool key Escape
sleep 0.5
# 2. The schema editor on the entity types, PER chosen: its guideline and its preview.
xdotool windowfocus --sync "$wid"
xdotool key ctrl+shift+l
shot schema-editor "Labels —"
xdotool key Escape
sleep 0.5
# 3. The overview, with the articles behind "done" listed.
xdotool windowfocus --sync "$wid"
xdotool key ctrl+shift+o
sleep 1
overview=$(xdotool search --onlyvisible --name "Overview" | head -1)
xdotool mousemove --window "$overview" 590 37 click 1
shot overview "Overview"
