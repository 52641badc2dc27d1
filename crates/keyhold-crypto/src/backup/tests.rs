//! The format's round trip and every kind of damage, each named.

use super::*;
use crate::SecretBytes;
use crate::hierarchy::RootKey;
use crate::software::SOFTWARE;

const CHUNK: usize = DEFAULT_CHUNK_SIZE as usize;
const SEALED_CHUNK: usize = CHUNK + 16;
/// Cheap Argon2id costs, for tests only.
const CHEAP: Argon2Params = Argon2Params {
    m_cost: 64,
    t_cost: 1,
    p_cost: 1,
};

fn key(byte: u8) -> BackupKey {
    let root = RootKey::from_secret(SecretBytes::new(vec![byte; 32])).unwrap();
    BackupKey::with_root(&root, 1).unwrap()
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn header_len(file: &[u8]) -> usize {
    Header::parse(file).unwrap().unwrap().1
}

fn open(k: &BackupKey, file: &[u8]) -> Result<Vec<u8>, BackupError> {
    open_all(OpenWith::Root(k), file).map(|(p, _)| p.to_vec())
}

#[test]
fn round_trips_at_every_chunk_boundary() {
    let k = key(1);
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7] {
        let plain = data(len);
        let file = seal_all(&SOFTWARE, SealWith::Root(&k), &plain).unwrap();
        let (opened, summary) = open_all(OpenWith::Root(&k), &file).unwrap();
        assert_eq!(opened.as_slice(), plain.as_slice(), "{len}");
        assert_eq!(summary.bytes, len as u64);
        assert_eq!(summary.chunks, (len / CHUNK) as u64 + 1, "{len}");
        assert_eq!(file.len(), header_len(&file) + len + 16 * (len / CHUNK + 1));
    }
}

#[test]
fn pushing_byte_by_byte_and_in_odd_pieces_gives_the_same() {
    let k = key(1);
    let plain = data(2 * CHUNK + 5);
    let (mut sealer, mut file) = StreamSealer::new(&SOFTWARE, SealWith::Root(&k)).unwrap();
    for piece in plain.chunks(1000) {
        file.extend(sealer.push(piece).unwrap());
    }
    file.extend(sealer.finish().unwrap());
    for step in [1, 17, SEALED_CHUNK, 100_000] {
        let mut out = Vec::new();
        let mut opener = StreamOpener::new(OpenWith::Root(&k));
        for piece in file.chunks(step) {
            opener.push(piece, &mut out).unwrap();
        }
        opener.finish(&mut out).unwrap();
        assert_eq!(out, plain, "{step}");
    }
}

#[test]
fn each_file_has_its_own_salt() {
    let k = key(1);
    let a = seal_all(&SOFTWARE, SealWith::Root(&k), b"same").unwrap();
    let b = seal_all(&SOFTWARE, SealWith::Root(&k), b"same").unwrap();
    assert_ne!(a, b);
}

#[test]
fn a_modified_byte_names_its_chunk() {
    let k = key(1);
    let file = seal_all(&SOFTWARE, SealWith::Root(&k), &data(3 * CHUNK + 10)).unwrap();
    let start = header_len(&file);
    for chunk in 0..3u64 {
        let mut bad = file.clone();
        bad[start + chunk as usize * SEALED_CHUNK + 5] ^= 1;
        assert!(
            matches!(open(&k, &bad), Err(BackupError::ChunkModified { chunk: c }) if c == chunk),
            "{chunk}"
        );
    }
    let mut bad = file.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(matches!(
        open(&k, &bad),
        Err(BackupError::TruncatedOrModifiedEnd { chunk: 3 })
    ));
}

#[test]
fn reordered_and_dropped_chunks_fail() {
    let k = key(1);
    let file = seal_all(&SOFTWARE, SealWith::Root(&k), &data(3 * CHUNK + 10)).unwrap();
    let h = header_len(&file);
    let chunk = |n: usize| &file[h + n * SEALED_CHUNK..h + (n + 1) * SEALED_CHUNK];
    let tail = &file[h + 3 * SEALED_CHUNK..];
    let swapped = [&file[..h], chunk(1), chunk(0), chunk(2), tail].concat();
    assert!(matches!(
        open(&k, &swapped),
        Err(BackupError::ChunkModified { chunk: 0 })
    ));
    let dropped = [&file[..h], chunk(0), chunk(2), tail].concat();
    assert!(matches!(
        open(&k, &dropped),
        Err(BackupError::ChunkModified { chunk: 1 })
    ));
    // The final chunk of one file does not end another.
    let other = seal_all(&SOFTWARE, SealWith::Root(&k), &data(3 * CHUNK + 10)).unwrap();
    let spliced = [
        &file[..h + 3 * SEALED_CHUNK],
        &other[h + 3 * SEALED_CHUNK..],
    ]
    .concat();
    assert!(matches!(
        open(&k, &spliced),
        Err(BackupError::TruncatedOrModifiedEnd { chunk: 3 })
    ));
}

#[test]
fn truncation_is_reported_wherever_the_cut() {
    let k = key(1);
    let file = seal_all(&SOFTWARE, SealWith::Root(&k), &data(2 * CHUNK + 10)).unwrap();
    let h = header_len(&file);
    assert!(matches!(
        open(&k, &file[..h + 2 * SEALED_CHUNK]),
        Err(BackupError::Truncated { chunks: 2 })
    ));
    assert!(matches!(
        open(&k, &file[..h]),
        Err(BackupError::Truncated { chunks: 0 })
    ));
    assert!(matches!(
        open(&k, &file[..h + SEALED_CHUNK + 100]),
        Err(BackupError::TruncatedOrModifiedEnd { chunk: 1 })
    ));
    assert!(matches!(
        open(&k, &file[..file.len() - 1]),
        Err(BackupError::TruncatedOrModifiedEnd { chunk: 2 })
    ));
    assert!(matches!(
        open(&k, &file[..h - 3]),
        Err(BackupError::TruncatedHeader)
    ));
    assert!(matches!(open(&k, &[]), Err(BackupError::TruncatedHeader)));
    let mut longer = file.clone();
    longer.push(0);
    assert!(matches!(
        open(&k, &longer),
        Err(BackupError::TruncatedOrModifiedEnd { chunk: 2 })
    ));
}

#[test]
fn header_edits_and_wrong_keys_are_told_apart() {
    let k = key(1);
    let file = seal_all(&SOFTWARE, SealWith::Root(&k), &data(100)).unwrap();
    assert!(matches!(
        open(&key(2), &file),
        Err(BackupError::WrongRootKey { .. })
    ));
    let mut bad = file.clone();
    bad[20] ^= 1; // the salt
    assert!(matches!(open(&k, &bad), Err(BackupError::HeaderModified)));
    let mut bad = file.clone();
    bad[50] ^= 1; // the key id
    assert!(matches!(
        open(&k, &bad),
        Err(BackupError::WrongRootKey { .. })
    ));
    let mut bad = file.clone();
    bad[h_check(&file)] ^= 1;
    assert!(matches!(open(&k, &bad), Err(BackupError::HeaderModified)));
    let mut bad = file;
    bad[0] ^= 1;
    assert!(matches!(open(&k, &bad), Err(BackupError::NotABackup)));
}

/// The offset of the key check's first byte.
fn h_check(file: &[u8]) -> usize {
    header_len(file) - 16
}

#[test]
fn the_passphrase_layer_needs_the_right_passphrase() {
    let right = Passphrase::new(SecretBytes::new(b"correct horse".to_vec()));
    let wrong = Passphrase::new(SecretBytes::new(b"battery staple".to_vec()));
    let plain = data(CHUNK + 3);
    let file = seal_all(&SOFTWARE, SealWith::Passphrase(&right, CHEAP), &plain).unwrap();
    let (opened, _) = open_all(OpenWith::Passphrase(&right), &file).unwrap();
    assert_eq!(opened.as_slice(), plain.as_slice());
    assert!(matches!(
        open_all(OpenWith::Passphrase(&wrong), &file),
        Err(BackupError::WrongPassphrase)
    ));
    assert!(matches!(
        open_all(OpenWith::Root(&key(1)), &file),
        Err(BackupError::LayerMismatch {
            found: Layer::Passphrase,
            expected: Layer::Root
        })
    ));
    let root_file = seal_all(&SOFTWARE, SealWith::Root(&key(1)), &plain).unwrap();
    assert!(matches!(
        open_all(OpenWith::Passphrase(&right), &root_file),
        Err(BackupError::LayerMismatch { .. })
    ));
    assert_eq!(format!("{right:?}"), "Passphrase(<redacted>)");
    assert!(format!("{:?}", key(1)).contains("<redacted>"));
    let (sealer, _) = StreamSealer::new(&SOFTWARE, SealWith::Root(&key(1))).unwrap();
    assert!(format!("{sealer:?}").contains("<redacted>"));
}

#[test]
fn messages_say_where_and_what() {
    let e = BackupError::ChunkModified { chunk: 7 };
    assert_eq!(
        e.to_string(),
        "backup tampered: chunk 7 failed authentication"
    );
    let e = BackupError::Truncated { chunks: 2 };
    assert!(e.to_string().contains("truncated"));
    assert!(
        BackupError::WrongPassphrase
            .to_string()
            .contains("wrong passphrase")
    );
}
