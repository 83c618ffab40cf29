//! The `dealerdesk` command-line tool. See `dealerdesk --help` and `dealerdesk::cli`.

fn main() -> std::process::ExitCode {
    // Errors are printed once, in words, by the CLI itself; set DEALERDESK_LOG=debug for traces.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DEALERDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    dealerdesk::cli::main()
}
