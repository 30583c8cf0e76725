//! Personal data at rest (ID numbers, phones): sealed with AES-256-GCM under the
//! installation's key, plus a keyed blind index (HMAC-SHA256) so that an ID number can
//! be matched for uniqueness without being stored in the clear. The key is a ring: a
//! rotation puts a new key first, which seals from then on, while the older keys open
//! what they sealed until the re-seal job (`reseal`) has moved every value to the new
//! one. Each sealed value names its key (`k<id>:`).

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::StoreError;

/// A value sealed by [`PiiCipher::sealed`]: the only way to fill a field that the
/// store writes to a sealed column as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed(String);

impl Sealed {
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// One key of the ring.
#[derive(Clone)]
struct Key {
    /// The first eight hex digits of its check value: written before every value it
    /// seals, so opening picks the right key at once.
    id: String,
    check: String,
    aead: Aes256Gcm,
    index_key: [u8; 32],
}

impl Key {
    fn new(key: &[u8; 32]) -> Key {
        // The blind-index key is derived, so one secret serves both purposes.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        mac.update(b"gongdao blind index v1");
        let index_key: [u8; 32] = mac.finalize().into_bytes().into();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&index_key).expect("any key length");
        mac.update(b"gongdao key check v1");
        let check: String = mac.finalize().into_bytes().iter().take(16).map(|b| format!("{b:02x}")).collect();
        Key { id: check[..8].to_string(), check, aead: Aes256Gcm::new(key.into()), index_key }
    }

    fn blind_index(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn open(&self, bytes: &[u8]) -> Option<String> {
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self.aead.decrypt(Nonce::from_slice(nonce), ciphertext).ok()?;
        String::from_utf8(plain).ok()
    }
}

/// Seals and opens personal data with a ring of keys: the first seals everything new,
/// the others (keys being rotated out) only open what they sealed, until the re-seal
/// job has moved it to the first. Cheap to clone.
#[derive(Clone)]
pub struct PiiCipher {
    keys: Vec<Key>,
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

fn decode_key(text: &str, what: &str) -> Result<[u8; 32], StoreError> {
    let bytes = B64.decode(text.trim()).map_err(|_| StoreError::Config(format!("{what} 不是有效的 base64")))?;
    bytes.try_into().map_err(|_| StoreError::Config(format!("{what} 必须是 32 字节（base64 编码后 44 个字符）")))
}

/// The keys of a key file: one base64 key per line, the current one first; blank lines
/// and lines starting with `#` are comments.
fn key_lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

fn write_owner_only(path: &Path, text: &str) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Config(format!("无法创建 {}: {e}", dir.display())))?;
    }
    // Written beside and renamed over, so a crash leaves the old file or the new one.
    let temp = path.with_extension("key.new");
    std::fs::write(&temp, text).map_err(|e| StoreError::Config(format!("无法写入密钥文件 {}: {e}", temp.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600));
    }
    std::fs::rename(&temp, path).map_err(|e| StoreError::Config(format!("无法写入密钥文件 {}: {e}", path.display())))
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

/// Whether a stored value carries a key's mark (`k` and eight hex digits and `:`).
pub fn has_key_mark(stored: &str) -> bool {
    let b = stored.as_bytes();
    b.len() > 10 && b[0] == b'k' && b[9] == b':' && b[1..9].iter().all(u8::is_ascii_hexdigit)
}

fn name_key(name: &str) -> String {
    let normal: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    format!("name:{normal}")
}

/// The prefix of a value sealed by the key with `id`.
fn prefix(id: &str) -> String {
    format!("k{id}:")
}

impl PiiCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        PiiCipher { keys: vec![Key::new(key)] }
    }

    /// A ring: `current` seals, `previous` keys only open.
    pub fn with_previous(current: &[u8; 32], previous: &[[u8; 32]]) -> Self {
        let mut keys = vec![Key::new(current)];
        keys.extend(previous.iter().map(Key::new));
        PiiCipher { keys }
    }

    /// Reads a base64 key (from configuration) and the keys being rotated out.
    pub fn from_base64(key: &str) -> Result<Self, StoreError> {
        Self::from_base64_ring(key, &[])
    }

    pub fn from_base64_ring(current: &str, previous: &[String]) -> Result<Self, StoreError> {
        let current = decode_key(current, "secret_key")?;
        let previous = previous.iter().map(|k| decode_key(k, "previous_secret_keys")).collect::<Result<Vec<_>, _>>()?;
        Ok(Self::with_previous(&current, &previous))
    }

    /// Reads the key file in the data folder, creating it with a fresh random key (and
    /// owner-only permissions) on first start. The file may hold several keys, one a
    /// line, the current first (`gongdao keys rotate` writes it so).
    pub fn load_or_create(path: &Path) -> Result<Self, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let lines = key_lines(&text);
                let Some((first, rest)) = lines.split_first() else {
                    return Err(StoreError::Config(format!("密钥文件 {} 是空的", path.display())));
                };
                let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
                Self::from_base64_ring(first, &rest)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_key();
                write_owner_only(path, &B64.encode(key))?;
                Ok(Self::new(&key))
            }
            Err(e) => Err(StoreError::Config(format!("无法读取密钥文件 {}: {e}", path.display()))),
        }
    }

    /// Puts a new key at the head of the key file, keeping the others to open older
    /// data; answers the new ring. Running servers take it at their next start.
    pub fn rotate_key_file(path: &Path) -> Result<Self, StoreError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::Config(format!("无法读取密钥文件 {}: {e}", path.display())))?;
        let old = key_lines(&text);
        if old.is_empty() {
            return Err(StoreError::Config(format!("密钥文件 {} 是空的", path.display())));
        }
        let key = random_key();
        let mut out =
            String::from("# 个人信息密钥：第一行用于加密新数据，其余行只用于打开旧数据（轮换完成后可删除）。\n");
        out.push_str(&B64.encode(key));
        out.push('\n');
        for line in &old {
            out.push_str(line);
            out.push('\n');
        }
        write_owner_only(path, &out)?;
        Self::load_or_create(path)
    }

    /// A fresh random key, base64 (for `secret_key`).
    pub fn generate_base64() -> String {
        B64.encode(random_key())
    }

    fn current(&self) -> &Key {
        &self.keys[0]
    }

    /// `k<key id>:base64(nonce || ciphertext)`.
    pub fn seal(&self, plaintext: &str) -> String {
        let key = self.current();
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = key
            .aead
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption of a short text cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{}{}", prefix(&key.id), B64.encode(out))
    }

    /// Opens a sealed value with the key that sealed it (values from before key ids were
    /// written are tried with every key of the ring).
    pub fn open(&self, sealed: &str) -> Result<String, StoreError> {
        let (key, body) = match sealed.strip_prefix('k').and_then(|rest| rest.split_once(':')) {
            Some((id, body)) if id.len() == 8 => {
                let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| {
                    StoreError::corrupt("sealed value was sealed by a key this instance does not have")
                })?;
                (Some(key), body)
            }
            _ => (None, sealed),
        };
        let bytes = B64.decode(body).map_err(|_| StoreError::corrupt("sealed value is not base64"))?;
        let opened = match key {
            Some(k) => k.open(&bytes),
            None => self.keys.iter().find_map(|k| k.open(&bytes)),
        };
        opened.ok_or_else(|| StoreError::corrupt("sealed value does not open with this key"))
    }

    /// Opens a text column that holds sealed values since migration 13 (names,
    /// addresses, case facts): a value without a key's mark is one written before, in
    /// the clear, which the re-seal job has not reached yet.
    pub fn open_text(&self, stored: &str) -> Result<String, StoreError> {
        if has_key_mark(stored) { self.open(stored) } else { Ok(stored.to_string()) }
    }

    pub fn open_text_opt(&self, stored: Option<&str>) -> Result<Option<String>, StoreError> {
        stored.map(|s| self.open_text(s)).transpose()
    }

    /// Seals a value a caller hands to the store ready to write.
    pub fn sealed(&self, plaintext: &str) -> Sealed {
        Sealed(self.seal(plaintext))
    }

    pub fn seal_opt(&self, plaintext: Option<&str>) -> Option<String> {
        plaintext.map(|p| self.seal(p))
    }

    /// The blind index of a person's name (spaces ignored), for finding a matter by
    /// the requester's full name without storing it in the clear.
    pub fn name_index(&self, name: &str) -> String {
        self.blind_index(&name_key(name))
    }

    /// [`Self::name_index`] under every key of the ring.
    pub fn name_indexes(&self, name: &str) -> Vec<String> {
        self.blind_indexes(&name_key(name))
    }

    /// Whether `sealed` is already sealed by the current key (the re-seal job skips it).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed.starts_with(&prefix(&self.current().id))
    }

    /// The `LIKE` pattern of values sealed by the current key.
    pub fn current_pattern(&self) -> String {
        format!("{}%", prefix(&self.current().id))
    }

    /// A value derived from the key that proves which key it is without revealing it:
    /// stored in the database by the first instance, so that an instance started with
    /// another key refuses to run instead of failing to open what the others sealed.
    pub fn check_value(&self) -> String {
        self.current().check.clone()
    }

    /// Whether the ring holds the key of this check value.
    pub fn holds(&self, check: &str) -> bool {
        self.keys.iter().any(|k| k.check == check)
    }

    /// A short name of the current key for messages (the first characters of its check
    /// value, as written before what it seals).
    pub fn key_id(&self) -> String {
        self.current().id.clone()
    }

    /// The names of every key of the ring, the current first.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    /// Deterministic keyed digest for equality lookups, under the current key.
    pub fn blind_index(&self, value: &str) -> String {
        self.current().blind_index(value)
    }

    /// The digests of `value` under every key of the ring: a lookup during a rotation
    /// finds rows the re-seal job has not reached yet.
    pub fn blind_indexes(&self, value: &str) -> Vec<String> {
        self.keys.iter().map(|k| k.blind_index(value)).collect()
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
    if recorded == mine {
        return Ok(());
    }
    // The database's key is one this instance still holds: a rotation. The new key
    // becomes the database's, so instances without it refuse to start from now on.
    if cipher.keys.iter().any(|k| k.check == recorded) {
        crate::meta::set(conn, KEY_CHECK, &mine).await?;
        return Ok(());
    }
    Err(StoreError::Config(format!(
        "本实例的个人信息密钥（标识 {}）与数据库登记的密钥（标识 {}）不同，拒绝启动：共用一个数据库的实例必须配置相同的 secret_key。",
        cipher.key_id(),
        &recorded[..recorded.len().min(8)]
    )))
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

    #[test]
    fn a_ring_opens_the_old_and_seals_with_the_new() {
        let old = PiiCipher::new(&[7u8; 32]);
        let sealed_old = old.seal("110105194912310021");
        // A value from before key ids were written: base64 alone.
        let legacy = sealed_old.split_once(':').unwrap().1.to_string();
        let ring = PiiCipher::with_previous(&[8u8; 32], &[[7u8; 32]]);
        assert_eq!(ring.open(&sealed_old).unwrap(), "110105194912310021");
        assert_eq!(ring.open(&legacy).unwrap(), "110105194912310021");
        let sealed_new = ring.seal("x");
        assert!(ring.is_current(&sealed_new) && !ring.is_current(&sealed_old));
        assert!(old.open(&sealed_new).is_err(), "the old key alone cannot open the new");
        assert_eq!(ring.blind_indexes("x"), vec![ring.blind_index("x"), old.blind_index("x")]);
        assert_eq!(ring.key_ids()[1], old.key_id());
    }

    #[test]
    fn rotating_the_key_file_keeps_the_old_keys_behind_the_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let first = PiiCipher::load_or_create(&path).unwrap();
        let sealed = first.seal("13812345678");
        let rotated = PiiCipher::rotate_key_file(&path).unwrap();
        assert_ne!(rotated.key_id(), first.key_id());
        assert_eq!(rotated.key_ids()[1], first.key_id());
        let again = PiiCipher::load_or_create(&path).unwrap();
        assert_eq!(again.key_ids(), rotated.key_ids());
        assert_eq!(again.open(&sealed).unwrap(), "13812345678");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
