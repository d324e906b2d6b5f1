"""Importing this module warms up the feature extractor and MusiCNN; it exists for that effect.

The extraction pool's fork server preloads it (``set_forkserver_preload``), so the
server pays librosa's import and numba's compilation once and every worker forked from
it starts warm; the fork server lives as long as the process that started it, so a
long-running dashboard pays this once.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

from trace.audio import ear
from trace.audio.features import warm_up

# One BLAS thread per process: the workers already use every core, and on this kind of
# work even a lone process runs faster single-threaded (0.37 s vs 0.45 s a track).
threadpool_limits(limits=1)
warm_up()
ear.warm_up()
