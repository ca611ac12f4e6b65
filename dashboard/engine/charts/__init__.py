"""Plotly figures, one module per page, sharing one theme. Pure: frames in, figures out."""
