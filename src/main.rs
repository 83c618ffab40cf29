//! The `dealerdesk` command-line tool. See `dealerdesk --help` and `dealerdesk::cli`.

fn main() -> std::process::ExitCode {
    // Errors are printed once, in words, by the CLI itself; set DEALERDESK_LOG=debug for traces.
    // The servers (`hub serve`, `portal serve`) run unattended: their warnings and errors go to
    // stderr unless DEALERDESK_LOG says otherwise.
    let args: Vec<String> = std::env::args().collect();
    let serving = args
        .windows(2)
        .any(|w| w[1] == "serve" && (w[0] == "hub" || w[0] == "portal"));
    let default = if serving { "warn" } else { "off" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DEALERDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .init();
    dealerdesk::cli::main()
}
