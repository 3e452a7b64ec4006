"""Composing ITK3 messages, without Qt: everything File › New, the header form, attaching,
editing and negative tests need, as plain objects and undoable edits.

* :mod:`.events` - the events the workbench can send, their MessageDefinitions and workflows,
  the response pattern the two flags make, in words;
* :mod:`.skeleton` - a new message for an event (complete and consistent, waiting only for its
  payload) and a new ITK Response answering a message;
* :mod:`.payload` - attaching FHIR payloads and files (as ITK attachment Binaries), replacing
  and removing them, with ``focus`` kept right;
* :mod:`.form` - the header form's model: field values read from the tree, a field change as
  one undoable edit;
* :mod:`.children` - the children an element may get (STU3 and the loaded profiles), and the
  new element with what it must contain;
* :mod:`.values` - checking a typed value before it reaches the tree;
* :mod:`.testdata` - NHS numbers from the test range, UUIDs, the current instant;
* :mod:`.autosave` - unsaved edits kept on disk, offered back after a crash;
* :mod:`.negative` - copies of an accepted message that a receiver answers with a chosen code.
"""
