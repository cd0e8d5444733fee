"""Dialogs: pickers for speaker, cluster and stance, and the shortcut sheet."""
