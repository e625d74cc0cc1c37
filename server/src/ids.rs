//! Ids the server makes: a prefix naming the kind of object and 96 random bits in hex.

/// A random id with a prefix, e.g. `env_3f9a…` (24 hex digits).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    // getrandom only fails without an OS source, where the server could not start either.
    let _ = getrandom::getrandom(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}
