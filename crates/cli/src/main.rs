use clap::Parser;

/// mimalloc rather than glibc's malloc: a master-data load allocates and frees millions of
/// small strings and JSON values on several threads, and glibc's allocator (with its
/// consolidation passes) took about a quarter of the sync's CPU time (`immohub bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = immohub_cli::Cli::parse();
    immohub_cli::main_with(cli)
}
