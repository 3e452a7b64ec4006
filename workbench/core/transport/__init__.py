"""Transports move message bytes between mailboxes; they know nothing of ITK3 rules.

:mod:`.base` defines the :class:`~.base.Transport` interface and the envelope it carries;
:mod:`.loopback` is the in-process transport the simulator uses by default; :mod:`.mesh` talks to
a MESH API endpoint through mesh-client; :mod:`.folder` exchanges ``.ctl``/``.dat`` file pairs
with a MESH client's folders; :mod:`.sandbox` runs a local MESH (mesh-sandbox) on loopback.
"""
