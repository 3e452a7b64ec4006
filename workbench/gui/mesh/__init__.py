"""MESH in the desktop application: send, poll, auto-respond, retry, the local MESH, the settings.

Modules:

* :mod:`.profile` - who the workbench is on which MESH: the user's settings or the local MESH
  (:class:`~.profile.MeshProfile`), and the desktop's MESH choices (:class:`~.profile.Prefs`).
* :mod:`.worker` - the MESH work off the GUI thread, one job at a time.
* :mod:`.service` - :class:`~.service.MeshService`: sending, polling on a timer and on demand,
  retries with back-off, the local MESH's life, the settings read and written.
* :mod:`.status` - the status bar's indicator (the connection, what waits, what arrived).
* :mod:`.send_dialog` - Send Over MESH: the recipient and the workflow.
* :mod:`.settings_dialog` - Settings › MESH…: endpoint, mailbox, secrets, workflows, polling.
* :mod:`.feature` - :class:`~.feature.MeshFeature`, the one object the main window holds: the
  service, the Messages view (:mod:`workbench.gui.messages`) in a dock, the indicator, the
  dialogs and the MESH menu's handlers.
"""
