"""`ketplan protocols`: list, show and check protocol files. (Being written.)"""

from __future__ import annotations
