"""Studies of any size: batches of pairs, their state file and the ``run-study`` runner."""
