"""Shared test settings.

CI runs the property tests derandomized, so a pass here is a pass there and a red run
always reproduces; local runs keep exploring new examples (and store failures in
.hypothesis/ for the next run).
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
