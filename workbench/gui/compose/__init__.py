"""Composing ITK3 messages in the window: the GUI half of File › New, the header form, attaching,
editing anything in the tree, autosave and negative tests, over :mod:`workbench.core.compose`.

Modules:

* :mod:`.composer` - :class:`~.composer.Composer`, what the window's compose menus call, and
  the compose tools it gives each tab;
* :mod:`.new_dialog`, :mod:`.response_dialog` - File › New… and File › New Response…;
* :mod:`.header_form`, :mod:`.payload_box` - the header form beside the tree, over the core form
  model, with the payload, attachments and sizes;
* :mod:`.attaching` - File › Attach… and files dropped on a tab;
* :mod:`.tree_editing`, :mod:`.value_delegate` - Add ▸, move, copy, paste, duplicate, test data;
  type-aware value editors in the tree;
* :mod:`.autosaving` - autosave every few seconds and the offer to restore after a crash;
* :mod:`.negative_dialog` - Tools › Make Negative Test…;
* :mod:`.fields`, :mod:`.rows` - small shared widgets and a table model of rows;
* :mod:`.host` - what the compose tools need of the window (a narrow protocol).
"""
