//! shipshape: typed environment specs compiled into deterministic GitOps output,
//! and the deployment checklist enforced on what was rendered.

pub mod source;
pub mod yaml;
