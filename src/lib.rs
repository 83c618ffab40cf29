//! The `dealerdesk` command-line tool, on top of the layers in `crates/`: every subcommand parses
//! its arguments, calls one use case of `dealerdesk-services` (or the portal) and prints the
//! answer in words or as JSON, with the exit code of the error's kind.

pub mod cli;
