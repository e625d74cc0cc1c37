//! AES-256-GCM for values at rest: a fresh random 96-bit nonce per write, and the row's
//! project, key and sensitivity as associated data. A ciphertext moved to another row does
//! not decrypt, and neither does one whose row was flipped from sensitive to not sensitive in
//! the database (which would otherwise make the API return its plaintext).

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};

/// Encrypts and decrypts env-var values.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(…)")
    }
}

/// The version of the associated data that [`Cipher::seal`] writes (stored per row as
/// `seal_version`). Version 1 bound project and key only.
pub const SEAL_VERSION: i64 = 2;

/// What a sealed value is bound to.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The owning project's id.
    pub project_id: &'a str,
    /// The env-var key.
    pub key: &'a str,
    /// Whether the value is write-only.
    pub sensitive: bool,
}

impl Row<'_> {
    /// Ids and keys hold no NUL (validated), so NUL separates them unambiguously.
    fn aad(&self, version: i64) -> Vec<u8> {
        let mut aad = Vec::with_capacity(self.project_id.len() + self.key.len() + 8);
        if version >= 2 {
            aad.extend_from_slice(b"v2\0");
        }
        aad.extend_from_slice(self.project_id.as_bytes());
        aad.push(0);
        aad.extend_from_slice(self.key.as_bytes());
        if version >= 2 {
            aad.push(0);
            aad.push(u8::from(self.sensitive));
        }
        aad
    }
}

impl Cipher {
    /// A cipher from a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Cipher {
            aead: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// (nonce, ciphertext) of `value` for `row`, with associated data of [`SEAL_VERSION`].
    pub fn seal(&self, row: Row<'_>, value: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
        self.seal_bound(&row.aad(SEAL_VERSION), value)
    }

    /// The value sealed for `row` with associated data of `version`, or an error if the key,
    /// row or bytes do not match.
    pub fn open(
        &self,
        row: Row<'_>,
        version: i64,
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<String, String> {
        self.open_bound(&row.aad(version), nonce, ciphertext)
    }

    /// (nonce, ciphertext) of `value` bound to `aad` (a secret other than an env var, e.g. a
    /// user's Vercel token bound to the user and configuration).
    pub fn seal_bound(&self, aad: &[u8], value: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: value.as_bytes(),
                    aad,
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        Ok((nonce.to_vec(), ciphertext))
    }

    /// The value sealed with `aad`, or an error if the key, binding or bytes do not match.
    pub fn open_bound(
        &self,
        aad: &[u8],
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<String, String> {
        if nonce.len() != 12 {
            return Err("bad nonce length".into());
        }
        let plain = self
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| "decryption failed (wrong ENV_VAR_ENCRYPTION_KEY?)".to_owned())?;
        String::from_utf8(plain).map_err(|_| "decrypted value is not UTF-8".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(project_id: &'a str, key: &'a str, sensitive: bool) -> Row<'a> {
        Row {
            project_id,
            key,
            sensitive,
        }
    }

    #[test]
    fn round_trip_fresh_nonces_and_row_binding() {
        let cipher = Cipher::new(&[7; 32]);
        let (n1, c1) = cipher.seal(row("p1", "K", true), "secret").unwrap();
        let (n2, c2) = cipher.seal(row("p1", "K", true), "secret").unwrap();
        assert_ne!(n1, n2, "a fresh nonce per write");
        assert_ne!(c1, c2);
        let open = |r, version| cipher.open(r, version, &n1, &c1);
        assert_eq!(open(row("p1", "K", true), SEAL_VERSION).unwrap(), "secret");
        assert!(
            open(row("p2", "K", true), SEAL_VERSION).is_err(),
            "bound to its project"
        );
        assert!(
            open(row("p1", "K2", true), SEAL_VERSION).is_err(),
            "bound to its key"
        );
        assert!(
            open(row("p1", "K", false), SEAL_VERSION).is_err(),
            "bound to its sensitivity"
        );
        assert!(
            open(row("p1", "K", true), 1).is_err(),
            "bound to its version"
        );
        assert!(Cipher::new(&[8; 32])
            .open(row("p1", "K", true), SEAL_VERSION, &n1, &c1)
            .is_err());
        assert!(!c1.windows(6).any(|w| w == b"secret"));
    }
}
