"""Open messages: one tab each, the start page when none is open.

Modules:

* :mod:`.qt_session` - :class:`~.qt_session.QtSession`, the Qt face of a core
  :class:`~workbench.core.session.MessageSession` (its events as signals).
* :mod:`.loading` - reading a file or bytes into a session off the GUI thread.
* :mod:`.tab` - :class:`~.tab.MessageTab`, one open message: its session, its inspector, its
  validation.
* :mod:`.tabs` - :class:`~.tabs.DocumentTabs`, the tab widget (close buttons, middle-click,
  tooltips, the mark on modified tabs).
* :mod:`.start_page` - what the window shows with no message open.
* :mod:`.saving` - saving a message as FHIR XML or JSON.
* :mod:`.last_run` - the tabs of the last run, remembered in the settings.
"""
