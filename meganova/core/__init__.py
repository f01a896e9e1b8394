"""Pure core: standard library only. Adapters plug in through ``ports``."""
