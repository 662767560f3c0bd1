"""The customers store in one SQLite file in the data folder: the default, for one operator or one machine."""
