//! Lookalike detection (stub, filled below).
