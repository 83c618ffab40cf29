//! The pure half of STAR 5 mapping: the element tree that writes a message in schema order and
//! reads one back with its namespaces checked. Which application fields go where is in the
//! services crate (`application::star`), beside the store reads it needs.

pub mod xml;
