# Segment Studio as a container: python:3.11-slim (the tested Python), a non-root user,
# numba's compiled UMAP code baked into the image, a health check on Streamlit's endpoint.
#
#   docker build -t segment-studio .
#   docker run --rm -p 8501:8501 segment-studio      # then open http://localhost:8501
#
# Links shared with data are kept (encrypted) in a SQLite file in the /data volume; keep them
# across containers with `-v segment-studio-data:/data`, or use PostgreSQL with
# `-e SEGMENT_STUDIO_DATABASE_URL=postgresql+psycopg://user:password@host/database`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # numba writes umap-learn's compiled machine code here; the app user owns it, so the code
    # compiled during the build is loaded (~1 s) instead of compiled again (~20-40 s) at start.
    NUMBA_CACHE_DIR=/home/app/.cache/numba \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    # where the store of links shared with data keeps its SQLite file (a volume, see below)
    SEGMENT_STUDIO_DATA_DIR=/data

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app \
    && mkdir -p /data && chown app:app /data
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=app:app . .
USER app

# Compile umap-learn's code once, as the app user, into NUMBA_CACHE_DIR (baked into the image).
RUN mkdir -p "$NUMBA_CACHE_DIR" \
    && python -c "from segmentation.embedding import load_umap, warm_up; load_umap(); print(f'UMAP warm-up {warm_up():.1f} s')"

# Declared after the app user owns it, so a new named volume starts owned by that user.
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"

CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
