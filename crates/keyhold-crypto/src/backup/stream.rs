//! The STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizár, "Online
//! Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", as age
//! uses it): the plaintext is cut into chunks of the header's chunk size,
//! each sealed with AES-256-GCM under the file key with the nonce
//! `0x000000 ‖ counter (u64, big-endian) ‖ last flag` and the whole header as
//! associated data. The last chunk is always shorter than a full chunk
//! (empty if need be) and carries the flag, so a reordered, dropped,
//! modified or cut chunk fails to open, as does a header edit.
//!
//! Both directions are incremental and do no I/O: the caller pushes bytes
//! in and writes the bytes that come out.

use std::fmt;

use aws_lc_rs::aead::NONCE_LEN;
use aws_lc_rs::constant_time::verify_slices_are_equal;
use zeroize::Zeroizing;

use super::error::BackupError;
use super::header::{
    ARGON_SALT_LEN, Argon2Params, DEFAULT_CHUNK_SIZE, Header, Layer, LayerHeader, SALT_LEN,
};
use super::keys::{BackupKey, Passphrase, file_key, key_check};
use crate::provider::CryptoProvider;
use crate::software::{open_aes_256_gcm, seal_aes_256_gcm};

/// The AES-GCM tag length.
const TAG_LEN: usize = 16;

/// What a new file is sealed with.
#[derive(Debug, Clone, Copy)]
pub enum SealWith<'a> {
    /// The root-derived backup key.
    Root(&'a BackupKey),
    /// A passphrase, with these Argon2id costs.
    Passphrase(&'a Passphrase, Argon2Params),
}

/// What a file is opened with.
#[derive(Debug, Clone, Copy)]
pub enum OpenWith<'a> {
    /// The root-derived backup key.
    Root(&'a BackupKey),
    /// A passphrase.
    Passphrase(&'a Passphrase),
}

impl OpenWith<'_> {
    fn layer(&self) -> Layer {
        match self {
            Self::Root(_) => Layer::Root,
            Self::Passphrase(_) => Layer::Passphrase,
        }
    }
}

/// The nonce of chunk `counter`.
fn nonce(counter: u64, last: bool) -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    n.iter_mut()
        .skip(3)
        .zip(counter.to_be_bytes())
        .for_each(|(o, b)| *o = b);
    if let Some(flag) = n.last_mut() {
        *flag = u8::from(last);
    }
    n
}

/// Seals a backup as it is pushed in. Its `Debug` shows no key.
pub struct StreamSealer {
    key: Zeroizing<[u8; 32]>,
    aad: Vec<u8>,
    chunk_size: usize,
    buf: Vec<u8>,
    counter: u64,
}

impl fmt::Debug for StreamSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSealer")
            .field("key", &"<redacted>")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl StreamSealer {
    /// A sealer for a new file, and the file's header bytes (write them
    /// first).
    pub fn new(
        provider: &CryptoProvider,
        with: SealWith<'_>,
    ) -> Result<(Self, Vec<u8>), BackupError> {
        let mut salt = [0u8; SALT_LEN];
        provider.random.fill(&mut salt)?;
        let (layer, key) = match with {
            SealWith::Root(k) => (
                LayerHeader::Root {
                    epoch: k.epoch(),
                    key_id: k.id(),
                },
                file_key(k.expose(), Layer::Root, &salt)?,
            ),
            SealWith::Passphrase(p, params) => {
                let mut argon_salt = [0u8; ARGON_SALT_LEN];
                provider.random.fill(&mut argon_salt)?;
                let layer_key = p.derive(params, &argon_salt)?;
                let layer = LayerHeader::Passphrase {
                    params,
                    salt: argon_salt,
                };
                (
                    layer,
                    file_key(layer_key.expose(), Layer::Passphrase, &salt)?,
                )
            }
        };
        let header = Header {
            chunk_size: DEFAULT_CHUNK_SIZE,
            salt,
            layer,
            check: key_check(&key),
        };
        let aad = header.encode();
        let sealer = Self {
            key,
            aad: aad.clone(),
            chunk_size: DEFAULT_CHUNK_SIZE as usize,
            buf: Vec::new(),
            counter: 0,
        };
        Ok((sealer, aad))
    }

    /// Takes `data`; returns the sealed chunks it completed.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>, BackupError> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        // Strictly more than a chunk: a full chunk at the very end must
        // wait, since the final chunk is always short.
        // Walk the buffer and keep only the tail: draining chunk by chunk
        // would move the rest of a large push once per chunk.
        let buf = std::mem::take(&mut self.buf);
        let mut rest: &[u8] = &buf;
        while rest.len() > self.chunk_size {
            let (chunk, tail) = rest.split_at(self.chunk_size);
            out.extend(self.seal_chunk(chunk, false)?);
            rest = tail;
        }
        self.buf = rest.to_vec();
        Ok(out)
    }

    /// Seals what is left as the final chunk(s).
    pub fn finish(mut self) -> Result<Vec<u8>, BackupError> {
        let mut out = Vec::new();
        if self.buf.len() == self.chunk_size {
            let chunk = std::mem::take(&mut self.buf);
            out.extend(self.seal_chunk(&chunk, false)?);
        }
        let rest = std::mem::take(&mut self.buf);
        out.extend(self.seal_chunk(&rest, true)?);
        Ok(out)
    }

    fn seal_chunk(&mut self, chunk: &[u8], last: bool) -> Result<Vec<u8>, BackupError> {
        let sealed = seal_aes_256_gcm(
            self.key.as_ref(),
            nonce(self.counter, last),
            &self.aad,
            chunk,
        )?;
        self.counter = self.counter.saturating_add(1);
        Ok(sealed)
    }
}

/// What an opened file was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSummary {
    /// Its header.
    pub header: Header,
    /// How many chunks it had.
    pub chunks: u64,
    /// How many plaintext bytes.
    pub bytes: u64,
}

/// The opener's progress.
#[derive(Debug)]
enum Progress<'a> {
    /// Reading the header.
    Header(OpenWith<'a>),
    /// Opening chunks.
    Chunks(Chunks),
}

struct Chunks {
    header: Header,
    key: Zeroizing<[u8; 32]>,
    aad: Vec<u8>,
    sealed_len: usize,
    counter: u64,
    bytes: u64,
}

/// Opens and verifies a backup as it is pushed in. Plaintext comes out
/// only chunk by verified chunk; the file as a whole is good only once
/// [`finish`](Self::finish) says so.
#[derive(Debug)]
pub struct StreamOpener<'a> {
    progress: Progress<'a>,
    buf: Vec<u8>,
}

impl<'a> StreamOpener<'a> {
    /// An opener that will use `with`.
    pub fn new(with: OpenWith<'a>) -> Self {
        Self {
            progress: Progress::Header(with),
            buf: Vec::new(),
        }
    }

    /// Takes `data`; appends the plaintext of every chunk it completed to
    /// `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), BackupError> {
        self.buf.extend_from_slice(data);
        if let Progress::Header(with) = self.progress {
            let Some((header, len)) = Header::parse(&self.buf)? else {
                return Ok(());
            };
            let aad: Vec<u8> = self.buf.drain(..len).collect();
            self.progress = Progress::Chunks(start(with, header, aad)?);
        }
        if let Progress::Chunks(c) = &mut self.progress {
            // A full sealed chunk is never the last one. The buffer is
            // walked, not drained chunk by chunk (see the sealer's push).
            let buf = std::mem::take(&mut self.buf);
            let mut rest: &[u8] = &buf;
            while rest.len() >= c.sealed_len {
                let (sealed, tail) = rest.split_at(c.sealed_len);
                c.open(sealed, false, out)?;
                rest = tail;
            }
            self.buf = rest.to_vec();
        }
        Ok(())
    }

    /// Opens the final chunk from what is left: the summary, or why the
    /// file is incomplete.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<OpenSummary, BackupError> {
        match self.progress {
            Progress::Header(_) => Err(BackupError::TruncatedHeader),
            Progress::Chunks(mut c) => {
                if self.buf.is_empty() {
                    return Err(BackupError::Truncated { chunks: c.counter });
                }
                let rest = std::mem::take(&mut self.buf);
                c.open(&rest, true, out)?;
                Ok(OpenSummary {
                    chunks: c.counter,
                    bytes: c.bytes,
                    header: c.header,
                })
            }
        }
    }
}

/// Checks the header against `with` and derives the file key.
fn start(with: OpenWith<'_>, header: Header, aad: Vec<u8>) -> Result<Chunks, BackupError> {
    let mismatch = |found| BackupError::LayerMismatch {
        found,
        expected: with.layer(),
    };
    let key = match (with, header.layer) {
        (OpenWith::Root(k), LayerHeader::Root { epoch, key_id }) => {
            if key_id != k.id() || epoch != k.epoch() {
                return Err(BackupError::WrongRootKey {
                    found: key_id,
                    found_epoch: epoch,
                    expected: k.id(),
                    expected_epoch: k.epoch(),
                });
            }
            file_key(k.expose(), Layer::Root, &header.salt)?
        }
        (OpenWith::Passphrase(p), LayerHeader::Passphrase { params, salt }) => {
            let layer_key = p.derive(params, &salt)?;
            file_key(layer_key.expose(), Layer::Passphrase, &header.salt)?
        }
        (_, layer) => return Err(mismatch(layer.layer())),
    };
    if verify_slices_are_equal(&key_check(&key), &header.check).is_err() {
        return Err(match with {
            OpenWith::Root(_) => BackupError::HeaderModified,
            OpenWith::Passphrase(_) => BackupError::WrongPassphrase,
        });
    }
    Ok(Chunks {
        sealed_len: (header.chunk_size as usize).saturating_add(TAG_LEN),
        header,
        key,
        aad,
        counter: 0,
        bytes: 0,
    })
}

impl fmt::Debug for Chunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunks")
            .field("key", &"<redacted>")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl Chunks {
    fn open(&mut self, sealed: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), BackupError> {
        let chunk = self.counter;
        let opened = open_aes_256_gcm(self.key.as_ref(), &nonce(chunk, last), &self.aad, sealed)
            .map_err(|_| {
                if last {
                    BackupError::TruncatedOrModifiedEnd { chunk }
                } else {
                    BackupError::ChunkModified { chunk }
                }
            })?;
        out.extend_from_slice(opened.expose());
        self.counter = self.counter.saturating_add(1);
        self.bytes = self.bytes.saturating_add(opened.len() as u64);
        Ok(())
    }
}

/// Seals `plaintext` whole: header and chunks.
pub fn seal_all(
    provider: &CryptoProvider,
    with: SealWith<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, BackupError> {
    let (mut sealer, mut out) = StreamSealer::new(provider, with)?;
    out.extend(sealer.push(plaintext)?);
    out.extend(sealer.finish()?);
    Ok(out)
}

/// Opens and verifies a whole file: its plaintext and summary.
pub fn open_all(
    with: OpenWith<'_>,
    file: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, OpenSummary), BackupError> {
    let mut out = Zeroizing::new(Vec::new());
    let mut opener = StreamOpener::new(with);
    opener.push(file, &mut out)?;
    let summary = opener.finish(&mut out)?;
    Ok((out, summary))
}
