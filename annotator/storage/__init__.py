"""Storage: the SQLite project file, its migrations and one repository per aggregate."""
