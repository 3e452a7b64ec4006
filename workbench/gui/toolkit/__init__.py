"""The tester's toolkit in the desktop application (issue 11), over :mod:`workbench.core.toolkit`.

:mod:`.controller` (the main window's part: where the message a Response answers is, the menu
actions), :mod:`.compare` (the Compare window), :mod:`.masking` (Save Masked Copy),
:mod:`.exports` (Export Report and Export Evidence), :mod:`.store_lookup` (the message store,
read in workers), :mod:`.jobs` (work in the thread pool) and :mod:`.asking` (the file dialogs
tests replace). What a Response says is shown by the inspector's
:mod:`~workbench.gui.inspector.response_bar`.
"""
