"""ITK3 acknowledgements: Response builder, receiver simulator, conversation tracker, simulation.

Pure logic over an injected clock and id generator (ARCHITECTURE decision 5); no Qt, no I/O
besides reading settings files. Modules:

* :mod:`.clock` - :class:`~.clock.VirtualClock`, :class:`~.clock.SystemClock`,
  :class:`~.clock.SequentialIds`, :func:`~.clock.random_ids`.
* :mod:`.builder` - :func:`~.builder.build_response`: an ITK008M Response as our tree.
* :mod:`.sample` - :func:`~.sample.sample_message`: a valid ITK3 message to send.
* :mod:`.settings` - :class:`~.settings.ReceiverSettings` and TOML loading.
* :mod:`.rules` - what only a receiver knows (partners, duplicates, business outcomes).
* :mod:`.receiver` - :func:`~.receiver.decide`: the Responses a receiver sends, and why.
* :mod:`.tracker` - :class:`~.tracker.Tracker`: the sender's conversations and anomalies.
* :mod:`.events` - :class:`~.events.SimEvent` (the sequence diagram's arrows and notes) and
  :class:`~.events.SimulationResult`.
* :mod:`.simulation` - :class:`~.simulation.Simulation`, :func:`~.simulation.run_round_trip`:
  round trips over the loopback transport on a virtual clock.
* :mod:`.patterns` - the four response patterns, :func:`~.patterns.run_pattern`.
"""
