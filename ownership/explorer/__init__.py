"""The Streamlit explorer: pages that render what the analysis layer returns."""
