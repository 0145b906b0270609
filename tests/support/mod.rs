pub mod idle_closer;
pub mod raw_server;
