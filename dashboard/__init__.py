"""RigShift dashboard: a Streamlit-free engine plus read-only Streamlit pages."""
