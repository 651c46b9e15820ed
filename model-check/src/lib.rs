//! Stateright models of the protocols crate's cores.
