"""The frozen application's entry point: the same command line as the ``annotator`` script.

An executable with another name than ``annotator`` (``annotator-gui.exe`` on Windows, the
``Annotator`` executable inside the macOS app) opens the window by default, so a double-click
on the app or on a project file starts the GUI:

    Annotator                    ->  annotator gui            (the last project, or ask)
    Annotator FILE.annotator     ->  annotator gui FILE.annotator
    Annotator --version          ->  annotator --version      (options and commands pass through)
"""

from __future__ import annotations

import sys
from pathlib import Path

from annotator.cli import app, main


def command_line(argv: list[str], *, window_by_default: bool) -> list[str]:
    """The arguments for the command line, minus macOS's ``-psn_…`` process serial number."""
    args = [arg for arg in argv if not arg.startswith("-psn_")]
    if not window_by_default:
        return args
    commands = {
        command.name or getattr(command.callback, "__name__", "")
        for command in app.registered_commands
    }
    if not args or (args[0] not in commands and not args[0].startswith("-")):
        return ["gui", *args]
    return args


if __name__ == "__main__":
    window_by_default = Path(sys.executable).stem.lower() != "annotator"
    sys.argv[1:] = command_line(sys.argv[1:], window_by_default=window_by_default)
    main()
