//! AES-256-GCM for values at rest: a fresh random 96-bit nonce per write, and the row's
//! project, key and sensitivity as associated data. A ciphertext moved to another row does
//! not decrypt, and neither does one whose row was flipped from sensitive to not sensitive in
//! the database (which would otherwise make the API return its plaintext).
//!
//! The keys are a keyring: one current key seals, older ones still open what they sealed
//! (rotation while serving). Each sealed value names its key: the stored nonce is the key's id
//! (8 bytes) followed by the 12-byte AES-GCM nonce. Values sealed before key ids (a bare
//! 12-byte nonce) are opened by trying each key.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};

/// Bytes of a key id.
pub const KEY_ID_BYTES: usize = 8;
const NONCE_BYTES: usize = 12;

/// A key's id: the first bytes of HMAC-SHA256 of a fixed label under the key. It names the
/// key (in rows and in the database's key check) and tells nothing that helps find it.
pub fn key_id(key: &[u8; 32]) -> [u8; KEY_ID_BYTES] {
    let mut id = [0u8; KEY_ID_BYTES];
    if let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) {
        mac.update(b"sajtmaskin key id v1");
        let digest = mac.finalize().into_bytes();
        id.copy_from_slice(&digest[..KEY_ID_BYTES]);
    }
    id
}

/// The key id as text (the key check in the database, logs).
pub fn key_id_hex(id: &[u8; KEY_ID_BYTES]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone)]
struct Keyed {
    id: [u8; KEY_ID_BYTES],
    aead: Aes256Gcm,
}

/// Encrypts and decrypts values at rest with a keyring.
#[derive(Clone)]
pub struct Cipher {
    current: Keyed,
    old: Vec<Keyed>,
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
    /// The associated data of `version`. Ids and keys hold no NUL (validated), so NUL
    /// separates them unambiguously.
    pub fn aad(&self, version: i64) -> Vec<u8> {
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

fn keyed(key: &[u8; 32]) -> Keyed {
    Keyed {
        id: key_id(key),
        aead: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
    }
}

impl Cipher {
    /// A cipher with one key.
    pub fn new(key: &[u8; 32]) -> Self {
        Cipher::with_old_keys(key, &[])
    }

    /// A keyring: `current` seals, `old` keys only open.
    pub fn with_old_keys(current: &[u8; 32], old: &[[u8; 32]]) -> Self {
        Cipher {
            current: keyed(current),
            old: old.iter().map(keyed).collect(),
        }
    }

    /// The current key's id.
    pub fn current_id(&self) -> [u8; KEY_ID_BYTES] {
        self.current.id
    }

    /// Whether a key with this id is on the ring.
    pub fn knows(&self, id: &[u8]) -> bool {
        self.current.id == id || self.old.iter().any(|k| k.id == id)
    }

    /// Whether a stored nonce names the current key (a value that needs no re-sealing).
    pub fn is_current(&self, stored_nonce: &[u8]) -> bool {
        stored_nonce.len() == KEY_ID_BYTES + NONCE_BYTES
            && stored_nonce.get(..KEY_ID_BYTES) == Some(&self.current.id[..])
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
            .current
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: value.as_bytes(),
                    aad,
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        let mut stored = self.current.id.to_vec();
        stored.extend_from_slice(&nonce);
        Ok((stored, ciphertext))
    }

    /// The value sealed with `aad`, or an error if the key, binding or bytes do not match.
    pub fn open_bound(
        &self,
        aad: &[u8],
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<String, String> {
        let keys: Vec<&Keyed> = std::iter::once(&self.current).chain(&self.old).collect();
        let (candidates, nonce): (Vec<&Keyed>, &[u8]) = match nonce.len() {
            // Named: only that key (an unknown id opens nothing).
            n if n == KEY_ID_BYTES + NONCE_BYTES => {
                let (id, nonce) = nonce.split_at(KEY_ID_BYTES);
                (keys.into_iter().filter(|k| k.id == id).collect(), nonce)
            }
            // Sealed before key ids: any key of the ring.
            NONCE_BYTES => (keys, nonce),
            _ => return Err("bad nonce length".into()),
        };
        let plain = candidates
            .iter()
            .find_map(|k| {
                k.aead
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: ciphertext,
                            aad,
                        },
                    )
                    .ok()
            })
            .ok_or_else(|| "decryption failed (wrong ENV_VAR_ENCRYPTION_KEY?)".to_owned())?;
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

    #[test]
    fn a_keyring_seals_with_the_current_key_and_opens_with_any() {
        let (k1, k2) = ([1u8; 32], [2u8; 32]);
        let old = Cipher::new(&k1);
        let (n1, c1) = old.seal_bound(b"aad", "v").unwrap();
        assert_eq!(&n1[..KEY_ID_BYTES], &key_id(&k1));
        let ring = Cipher::with_old_keys(&k2, &[k1]);
        assert_eq!(ring.open_bound(b"aad", &n1, &c1).unwrap(), "v");
        assert!(!ring.is_current(&n1));
        let (n2, c2) = ring.seal_bound(b"aad", "v").unwrap();
        assert!(ring.is_current(&n2));
        assert!(
            old.open_bound(b"aad", &n2, &c2).is_err(),
            "k1 cannot open k2's"
        );
        // A bare 12-byte nonce (before key ids) opens with any key of the ring.
        assert_eq!(
            ring.open_bound(b"aad", &n1[KEY_ID_BYTES..], &c1).unwrap(),
            "v"
        );
        // Without the old key, k1's value does not open.
        assert!(Cipher::new(&k2).open_bound(b"aad", &n1, &c1).is_err());
        assert_ne!(key_id(&k1), key_id(&k2));
    }
}
