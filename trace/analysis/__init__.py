"""Analysis: the feature table → map, clusters, recent interest and ranked candidates.

Takes in the store (features, plays, decisions) and the settings (``params``); gives out
an :class:`Analysis`. ``table`` reads the tracks × features table; ``embed`` scales it
and maps it with UMAP over one exact k-NN graph; ``cluster`` runs HDBSCAN; ``profiles``
describes and names the clusters; ``classify`` places candidates with a Random Forest;
``interest`` finds where recent listening moved; ``recommend`` ranks candidates with
reasons; ``preference``, ``genre``, ``mood`` and ``order`` are the person's models and the
playlist's shape; ``report`` writes an analysis as text or JSON. ``pipeline`` defines the
stages once — their order, inputs and cache keys — for the command line, the weekly job
and the dashboard alike.

Entry points: :func:`analyse`, :class:`Pipeline`, :func:`load_params`.
"""

from trace.exports import lazy_exports

__all__ = ["Analysis", "AnalysisParams", "analyse", "feature_table", "load_params", "order_tracks"]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Analysis": ".pipeline",
        "AnalysisParams": ".pipeline",
        "analyse": ".pipeline",
        "load_params": ".pipeline",
        "feature_table": ".table",
        "order_tracks": ".order",
    },
)
