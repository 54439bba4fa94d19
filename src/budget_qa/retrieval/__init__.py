"""Retrieval: chunking, Chinese-aware BM25, dense vectors in Chroma, and reciprocal rank fusion.

Entry points: ``build.build_retrieval`` (called by ``index.build_index``) and
``retriever.HybridRetriever.open(index_dir, settings)``. Submodules are imported on demand so
that lexical retrieval never pays for chromadb or torch.
"""
