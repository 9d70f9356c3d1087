"""principalmapper 1.1.5 (its latest release, 2021) imports ``Mapping`` and ``MutableMapping`` from ``collections``,
which Python 3.10 removed (they live in ``collections.abc``). Importing this module first puts the two names back,
so the library imports on the Python versions guardform supports; nothing else of it is changed.
"""

import collections
import collections.abc

for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
