# Shared by the screenshot scripts (source it from the repository root): a demo project in a
# scratch folder, Xvfb, the app on it, and its window in `wid`; all stopped on exit.
#   start_session DISPLAY [PREPARE_SCRIPT ...]
# Screenshots go to $SCREENSHOT_DIR (default resources/screenshots).

start_session() {
    local display=$1
    shift
    out=${SCREENSHOT_DIR:-resources/screenshots}
    mkdir -p "$out"
    work=$(mktemp -d)
    export ANNOTATOR_DATA_DIR="$work/data" ANNOTATOR_CONFIG_DIR="$work/config"
    mkdir -p "$ANNOTATOR_CONFIG_DIR"
    printf '{"annotator_name": "Maren", "font_point_size": 11}\n' \
        > "$ANNOTATOR_CONFIG_DIR/preferences.json"
    project=$(.venv/bin/annotator demo --no-gui)
    .venv/bin/python tests/screenshots/prepare_demo.py "$project"
    local prepare
    for prepare in "$@"; do
        .venv/bin/python "$prepare" "$project"
    done

    Xvfb ":$display" -screen 0 1440x900x24 -nolisten tcp & xvfb=$!
    app=""
    trap stop_session EXIT
    export DISPLAY=":$display"
    unset QT_QPA_PLATFORM
    until xdpyinfo >/dev/null 2>&1; do sleep 0.1; done
    .venv/bin/annotator gui "$project" & app=$!
    wid=$(xdotool search --sync --onlyvisible --name "Annotator" | head -1)
    sleep 1.5
    xdotool windowsize "$wid" 1440 900
    sleep 1
    xdotool windowfocus --sync "$wid"
}

stop_session() {
    [[ -n $app ]] && kill "$app" 2>/dev/null
    kill "$xvfb" 2>/dev/null
    rm -rf "$work"
}
