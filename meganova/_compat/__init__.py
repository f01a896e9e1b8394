"""What keeps meganova 0.4.0 code running: renamed names that warn, and stand-ins for
what this release does not have yet, which fail on use with what to do instead."""
