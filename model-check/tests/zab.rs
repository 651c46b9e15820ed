//! The production Zab core, model-checked (filled in below).
