"""ITK3 over MESH (or a MESH client's folders), with every message kept in the store.

:mod:`.agent` is :class:`Exchange` (send, poll, auto-respond, retry, track); :mod:`.stations`
several mailboxes of one workbench over one store (:class:`Stations`: the user's and the
auto-responder's, polled together); :mod:`.responder` the auto-responder's decisions; :mod:`.settings` the MESH settings (URL, mailbox, secrets,
workflows per event) from arguments, the environment and the config file. Transports stay free
of ITK3: routing, the auto-responder and the store records live here, above them.
"""

from workbench.core.exchange.agent import Exchange, ExchangeError, Outcome, PollResult
from workbench.core.exchange.settings import MeshSettings, MeshSettingsError, load_mesh_settings, save_mesh_settings
from workbench.core.exchange.stations import CycleResult, Station, Stations

__all__ = [
    "CycleResult",
    "Exchange",
    "ExchangeError",
    "MeshSettings",
    "MeshSettingsError",
    "Outcome",
    "PollResult",
    "Station",
    "Stations",
    "load_mesh_settings",
    "save_mesh_settings",
]
