//! The `feder` command: `serve` (the default) and the commands a blog owner runs beside it
//! (see `feder::cli`).

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = feder::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    feder::cli::run(cli)
}
