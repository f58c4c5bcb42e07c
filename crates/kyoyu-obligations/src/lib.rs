//! kyoyu-obligations
