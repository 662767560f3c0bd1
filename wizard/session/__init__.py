"""One session of the app: start-up, settings, folders, clocks, and the connected runtime."""
