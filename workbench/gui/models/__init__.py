"""Qt item models: thin adapters over core objects (they hold no domain data)."""
