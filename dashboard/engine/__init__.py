"""Pure logic: economics, queries and chart building. Never imports Streamlit."""
