"""Reviewer mode: comparing annotators, adjudicating gold, agreement."""
