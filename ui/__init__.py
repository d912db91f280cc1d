"""Streamlit glue: the only package that imports both streamlit and segmentation."""
