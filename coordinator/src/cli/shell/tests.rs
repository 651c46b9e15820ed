//! shell tests
