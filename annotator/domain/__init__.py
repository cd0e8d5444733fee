"""Domain model: articles, schema, annotations and reviews, with no storage or Qt."""
