"""The main window's panels, one feature per module: structure tree, details, source preview."""
