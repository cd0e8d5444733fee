#!/usr/bin/env bash
# Screenshots of the new-project wizard, the label schema editor and the overview dashboard,
# taken from the real window under Xvfb (display :96). Not part of the test run. Needs what
# take.sh needs. Writes resources/screenshots/{wizard,schema-editor,overview}.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/screenshots/session.sh
start_session 96 tests/screenshots/prepare_overview_demo.py
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
