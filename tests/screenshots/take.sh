#!/usr/bin/env bash
# Screenshots of the real window under Xvfb for the README. Not part of the test run.
# Needs Debian's xvfb xauth xdotool imagemagick x11-utils, the libxcb packages listed in the
# README, fonts-noto-cjk and fonts-noto-color-emoji. Writes resources/screenshots/*.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/screenshots/session.sh
start_session 98
shot() {
    sleep 0.8
    import -window root "PNG8:$out/$1.png"  # 256 colours keep the README light
    echo "wrote $out/$1.png"
}

# Panels sit at fixed places: the first row of the right-hand table is at (1150, 89).
# 1. The workspace: Halvorsen's quote made current from the Quotes tab (Alt+2).
xdotool key alt+2
sleep 0.3
xdotool mousemove --window "$wid" 1150 89 click 1
shot workspace
# 2. The stances of the article (Alt+3), the first one current with its evidence marked.
xdotool key alt+3
sleep 0.3
xdotool mousemove --window "$wid" 1150 89 click 1
shot stances
# 3. The speaker picker: back to the quote, press S.
xdotool key alt+2
sleep 0.3
xdotool mousemove --window "$wid" 1150 89 click 1
sleep 0.3
xdotool key s
shot speaker-picker
xdotool key Escape
# 4. The Korean article with emoji: labels after 👩‍💻🚀🇰🇷😀 sit on the right characters.
xdotool mousemove --window "$wid" 100 278 click 1
sleep 0.5
shot unicode
