//! Turning findings into bytes. Reporters never decide findings or exit codes.

pub mod excerpt;
