// Each test binary uses some of the helpers, not all.
#![allow(dead_code)]

pub mod other_origin;
pub mod raw_server;
