"""The command line end to end, the install, and CI's own script."""
