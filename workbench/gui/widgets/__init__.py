"""Widgets and dialogs the features share: message bar, delayed progress, the tree's two-tone
label delegate, and the dialogs the windows ask through."""
