"""Streamlit entry point used by ``ownership app`` (the repository's ``app.py`` does the same)."""

from ownership.explorer.main import run

run()
