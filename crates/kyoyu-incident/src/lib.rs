//! kyoyu-incident
