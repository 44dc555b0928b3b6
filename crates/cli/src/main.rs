use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = immohub_cli::Cli::parse();
    immohub_cli::main_with(cli)
}
