"""The typed model: sections and directives with typed attributes over the lossless tree."""
