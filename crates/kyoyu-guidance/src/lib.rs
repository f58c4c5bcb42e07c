//! kyoyu-guidance
