"""The risk book's figures (/stats) and their ports."""
