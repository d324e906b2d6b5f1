"""What the Streamlit pages share: cached data, widgets, and messages.

The only part of TRACE that imports Streamlit, and the only place with cache decorators.
"""
