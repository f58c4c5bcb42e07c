//! Warninglists (stub).
