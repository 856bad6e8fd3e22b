"""The website: URL scheme, Markdown pages, feeds, catalog.json, and the MkDocs build."""
