"""Qt item models over the annotation session and the project."""
