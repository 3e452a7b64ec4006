"""The Simulate window: a simulated ITK3 receiver, round trips and their sequence diagram.

Modules:

* :mod:`.runs` - what a round trip is asked to do (:class:`~.runs.RoundTripRequest`), what it
  gave (:class:`~.runs.RoundTrip`) and the worker that runs it off the GUI thread.
* :mod:`.conversation_model` - the conversation list (a thin table model over round trips).
* :mod:`.layout` - the sequence diagram's geometry (lanes, time axis, arrows, notes), no painting.
* :mod:`.painting` - paints a laid-out diagram with QPainter (screen, PNG and SVG alike).
* :mod:`.diagram` - :class:`~.diagram.SequenceDiagram`, the widget: playback (play, pause,
  step, speed), hover, click to open, export as PNG (2x) and SVG.
* :mod:`.settings_form` - the receiver settings form, generated from
  :func:`~workbench.core.acks.settings.field_info`.
* :mod:`.send_panel` - the one-click scenarios, the message to send and the round trip's timing.
* :mod:`.window` - :class:`~.window.SimulateWindow`, which puts them together.
"""
