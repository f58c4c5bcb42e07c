//! kyoyu-core
