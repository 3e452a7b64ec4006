"""The inspector: the panels that show one message (one per tab).

Modules:

* :mod:`.inspector` - :class:`~.inspector.Inspector`, which lays the panels out and keeps them in
  step with the message's session.
* :mod:`.banner` - the verdict banner (the Response a receiver would answer).
* :mod:`.tree_panel` and :mod:`.tree_model` - the structure tree and its item model over the
  session's tree.
* :mod:`.details_panel` - the selected element in full.
* :mod:`.preview_panel`, :mod:`.source_view`, :mod:`.highlight`, :mod:`.rendering` - the message
  as opened, as XML and as JSON; the coloured text view; the line lexers; rendering off the GUI
  thread.
* :mod:`.issues_panel` and :mod:`.issue_model` - the findings, filtered and sorted.
* :mod:`.validation` - validation off the GUI thread, debounced and incremental.
* :mod:`.attachments` - opening and saving a message's attachments.
"""
