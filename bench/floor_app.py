"""Streamlit's own floor for ``bench.explorer``: the least a page of the explorer draws.

A sidebar with the explorer's title, a header and a table of 50 rows, no graph, no work: the time
a browser takes to show it is Streamlit's (its scripts, the session, the table's code), which
every explorer page pays before its own. Run by the harness with ``streamlit run``.
"""

import pandas as pd
import streamlit as st

st.set_page_config(page_title="Streamlit's floor", layout="wide")
with st.sidebar:
    st.title("Ownership explorer", anchor=False)
st.header("A table of 50 rows")
st.dataframe(pd.DataFrame({"name": [f"Company {i}" for i in range(50)], "rank": range(50)}))
