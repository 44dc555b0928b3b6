//! OpenImmo for immohub: a streaming OpenImmo 1.2.7b writer (VAC-3), ZIP packaging with
//! attachments (VAC-4) and a lenient OpenImmo-Feedback 1.2.5 parser (PRO-2).
//!
//! The types are written by hand from the element names (the schema may not be
//! redistributed). See `docs/OPENIMMO.md` for the mapping table and local validation.

mod error;
pub mod feedback;
mod model;
mod package;
mod writer;

pub use error::{ExportError, ValidationError};
pub use feedback::{
    FeedbackError, FeedbackFile, FeedbackProspect, FeedbackSender, FieldWarning, ProspectError,
    parse_feedback,
};
pub use model::*;
pub use package::{AttachmentSource, DirectorySource, ZipOptions, ZipSummary, write_zip};
pub use writer::{OPENIMMO_VERSION, OpenImmoWriter, format_money, validate_listing};
