"""Headless front end: ``itk-workbench <command>``."""
