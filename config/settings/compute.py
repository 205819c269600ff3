"""Settings of the compute app (imported at the end of base.py)."""

from environ import Env

env = Env()
