//! shipshape: typed environment specs compiled into deterministic GitOps output,
//! and the deployment checklist enforced on what was rendered.

pub mod catalog;
pub mod cli;
pub mod codes;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod init;
pub mod lint;
pub mod model;
pub mod problem;
pub mod render;
pub mod report;
pub mod secret;
pub mod simulate;
pub mod source;
pub mod spec;
pub mod tunnel;
pub mod ui;
pub mod yaml;
