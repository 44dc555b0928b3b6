//! Engine tests: the master-data run against a real SQLite hub store, with a small in-memory
//! ERP (a test double of the *ERP*, not of immohub) so that every rule can be provoked exactly.

mod memory_erp;
mod stammdaten;
