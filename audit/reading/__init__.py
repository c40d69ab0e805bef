"""Reading articles: files -> Article (claims, references, markers)."""
