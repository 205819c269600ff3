"""Settings of the funding app (imported at the end of base.py)."""

from environ import Env

env = Env()
