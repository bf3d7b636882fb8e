"""The simulated DeutschlandLAN Cloud PBX: a BroadWorks call engine speaking Xsi.

It never imports the rest of cloudcti: it writes and reads Xsi XML on its own, from the
BroadWorks specification, so that it and ``cloudcti.xsi`` check each other.
"""

from __future__ import annotations
