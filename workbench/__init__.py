"""ITK3 Message Workbench: inspect, validate and simulate NHS ITK3 (FHIR STU3) messages.

This package imports nothing heavy at import time and never Qt; the GUI lives in
``workbench.gui`` and is only imported when the desktop application starts.
"""

__version__ = "0.1.0"
