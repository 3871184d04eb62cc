"""The lossless syntax layer: grammar, lexer, words, nodes, sections, parser, render."""
