"""Use cases over a project: importing, exporting, annotating, reviewing, statistics."""
