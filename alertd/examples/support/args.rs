//! `--name value` flags for the examples.

/// The number after `name` on the command line, or `default` when the flag is absent.
pub(crate) fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} needs a number, got {v:?}"))
        })
}

/// A count flag (`--requests 5000`) as a `usize`.
pub(crate) fn count_arg(name: &str, default: u64) -> usize {
    usize::try_from(arg(name, default))
        .unwrap_or_else(|_| panic!("{name} is more than this machine can count"))
}
