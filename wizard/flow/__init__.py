"""The flow of one customer through the four steps: planner, engine, write path, statuses, progress, import."""
