//! Rule tests of the domain crate: data-driven tables of inputs and expected decisions.

mod entity;
mod rules;
