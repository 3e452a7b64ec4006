"""Pure-Python core of the workbench. Nothing under this package may import Qt."""
