"""Transports move message bytes between mailboxes; they know nothing of ITK3 rules.

:mod:`.base` defines the :class:`~.base.Transport` interface and the envelope it carries;
:mod:`.loopback` is the in-process transport the simulator uses by default (MESH comes later).
"""
