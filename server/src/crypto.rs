//! AES-256-GCM for values at rest: a fresh random 96-bit nonce per write, the row's project and
//! key as associated data (a ciphertext moved to another row does not decrypt).

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

fn aad(project_id: &str, key: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(project_id.len() + key.len() + 1);
    aad.extend_from_slice(project_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key.as_bytes());
    aad
}

impl Cipher {
    /// A cipher from a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Cipher {
            aead: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// (nonce, ciphertext) of `value` for the row (`project_id`, `key`).
    pub fn seal(
        &self,
        project_id: &str,
        key: &str,
        value: &str,
    ) -> Result<(Vec<u8>, Vec<u8>), String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = aad(project_id, key);
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        Ok((nonce.to_vec(), ciphertext))
    }

    /// The value sealed for the row, or an error if the key, row or bytes do not match.
    pub fn open(
        &self,
        project_id: &str,
        key: &str,
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<String, String> {
        if nonce.len() != 12 {
            return Err("bad nonce length".into());
        }
        let aad = aad(project_id, key);
        let plain = self
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| "decryption failed (wrong ENV_VAR_ENCRYPTION_KEY?)".to_owned())?;
        String::from_utf8(plain).map_err(|_| "decrypted value is not UTF-8".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_fresh_nonces_and_row_binding() {
        let cipher = Cipher::new(&[7; 32]);
        let (n1, c1) = cipher.seal("p1", "K", "secret").unwrap();
        let (n2, c2) = cipher.seal("p1", "K", "secret").unwrap();
        assert_ne!(n1, n2, "a fresh nonce per write");
        assert_ne!(c1, c2);
        assert_eq!(cipher.open("p1", "K", &n1, &c1).unwrap(), "secret");
        assert!(
            cipher.open("p2", "K", &n1, &c1).is_err(),
            "bound to its project"
        );
        assert!(
            cipher.open("p1", "K2", &n1, &c1).is_err(),
            "bound to its key"
        );
        assert!(Cipher::new(&[8; 32]).open("p1", "K", &n1, &c1).is_err());
        assert!(!c1.windows(6).any(|w| w == b"secret"));
    }
}
