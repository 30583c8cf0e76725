//! Personal data at rest (ID numbers, phones): sealed with AES-256-GCM under the
//! installation's key, plus a keyed blind index (HMAC-SHA256) so that an ID number can
//! be matched for uniqueness without being stored in the clear.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::StoreError;

/// Seals and opens personal data; cheap to clone.
#[derive(Clone)]
pub struct PiiCipher {
    aead: Aes256Gcm,
    index_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

impl PiiCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        // The blind-index key is derived, so one secret serves both purposes.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        mac.update(b"gongdao blind index v1");
        let index_key: [u8; 32] = mac.finalize().into_bytes().into();
        PiiCipher { aead: Aes256Gcm::new(key.into()), index_key }
    }

    /// Reads a base64 key (from configuration).
    pub fn from_base64(key: &str) -> Result<Self, StoreError> {
        let bytes = B64.decode(key.trim()).map_err(|_| StoreError::Config("secret_key 不是有效的 base64".into()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::Config("secret_key 必须是 32 字节（base64 编码后 44 个字符）".into()))?;
        Ok(Self::new(&key))
    }

    /// Reads the key file in the data folder, creating it with a fresh random key (and
    /// owner-only permissions) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Config(format!("无法创建 {}: {e}", dir.display())))?;
                }
                std::fs::write(path, B64.encode(key))
                    .map_err(|e| StoreError::Config(format!("无法写入密钥文件 {}: {e}", path.display())))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
                }
                Ok(Self::new(&key))
            }
            Err(e) => Err(StoreError::Config(format!("无法读取密钥文件 {}: {e}", path.display()))),
        }
    }

    /// `base64(nonce || ciphertext)`.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption of a short text cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        B64.encode(out)
    }

    pub fn open(&self, sealed: &str) -> Result<String, StoreError> {
        let bytes = B64.decode(sealed).map_err(|_| StoreError::corrupt("sealed value is not base64"))?;
        if bytes.len() < 12 {
            return Err(StoreError::corrupt("sealed value too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| StoreError::corrupt("sealed value does not open with this key"))?;
        String::from_utf8(plain).map_err(|_| StoreError::corrupt("sealed value is not UTF-8"))
    }

    /// A value derived from the key that proves which key it is without revealing it:
    /// stored in the database by the first instance, so that an instance started with
    /// another key refuses to run instead of failing to open what the others sealed.
    pub fn check_value(&self) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(b"gongdao key check v1");
        mac.finalize().into_bytes().iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// A short name of the key for messages (the first characters of its check value).
    pub fn key_id(&self) -> String {
        self.check_value()[..8].to_string()
    }

    /// Deterministic keyed digest for equality lookups.
    pub fn blind_index(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The meta key under which the installation's key check value is kept.
pub const KEY_CHECK: &str = "pii.key_check";

/// Binds the database to this key: the first instance records the key's check value;
/// every later one must have the same key, or it refuses to start — two keys on one
/// database would each fail to open what the other sealed. A database sealed before
/// check values existed is checked by opening one of its sealed values.
pub async fn bind_key(conn: &impl sea_orm::ConnectionTrait, cipher: &PiiCipher) -> Result<(), StoreError> {
    let mine = cipher.check_value();
    if crate::meta::get(conn, KEY_CHECK).await?.is_none() {
        let sample = conn
            .query_one_raw(crate::sql::raw(
                conn,
                "SELECT requester_phone_enc FROM service_requests WHERE requester_phone_enc IS NOT NULL LIMIT 1",
                vec![],
            ))
            .await?;
        if let Some(row) = sample
            && let Ok(Some(sealed)) = row.try_get_by_index::<Option<String>>(0)
            && cipher.open(&sealed).is_err()
        {
            return Err(StoreError::Config(format!(
                "数据库中的个人信息是用另一把密钥加密的，本实例的密钥（标识 {}）打不开。请配置与其他实例相同的 secret_key（或使用原数据目录中的 secret.key）。",
                cipher.key_id()
            )));
        }
    }
    let recorded = crate::meta::set_if_absent(conn, KEY_CHECK, &mine).await?;
    if recorded != mine {
        return Err(StoreError::Config(format!(
            "本实例的个人信息密钥（标识 {}）与数据库登记的密钥（标识 {}）不同，拒绝启动：共用一个数据库的实例必须配置相同的 secret_key。",
            cipher.key_id(),
            &recorded[..recorded.len().min(8)]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_and_differ_each_time() {
        let c = PiiCipher::new(&[7u8; 32]);
        let a = c.seal("13812345678");
        let b = c.seal("13812345678");
        assert_ne!(a, b, "a fresh nonce each time");
        assert_eq!(c.open(&a).unwrap(), "13812345678");
        assert!(!a.contains("1381"));
        let other = PiiCipher::new(&[8u8; 32]);
        assert!(other.open(&a).is_err());
        assert_eq!(c.blind_index("x"), c.blind_index("x"));
        assert_ne!(c.blind_index("x"), other.blind_index("x"));
    }
}
