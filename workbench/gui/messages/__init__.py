"""The Messages view: every message and Response the workbench sent, received or imported.

Modules:

* :mod:`.tasks` - the store's work off the GUI thread (a listing, pages of rows, a
  conversation and its diagram, bytes, export and import).
* :mod:`.model` - :class:`~.model.MessageTableModel`, the lazy table over a listing.
* :mod:`.filters` - :class:`~.filters.FilterBar`: search, direction, event, state, dates.
* :mod:`.conversation` - :class:`~.conversation.ConversationPane`: the selected message's
  conversation on the sequence diagram.
* :mod:`.view` - :class:`~.view.MessagesView`, which puts them together.
"""
