"""Streamlit-side helpers: the shared frame, cached loaders and small render helpers."""
