"""Streamlit entry point: ``streamlit run app.py`` serves the ownership explorer."""

from ownership.explorer.main import run

run()
