"""The matching engine: jieba segmentation with a domain lexicon, BM25 over sparse matrices, hard
constraints that exclude and soft factors that weigh, kept in step with the database on every replica."""
