"""The access-matrix proof (issue 13): read the generated policies back and evaluate the plan's flows.

principalmapper is patched for Python 3.10+ here, before any submodule imports it (see _pmapper_compat).
"""

from tests.access import _pmapper_compat as _pmapper_compat
