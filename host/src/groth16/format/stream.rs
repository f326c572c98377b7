//! One sequential pass over a container file: every byte is read once, in order, through one
//! reusable buffer, optionally hashed (SHA-256, for the validation cache), and the bodies of the
//! sections a reader wants are decoded in parallel straight into their final slices. Peak memory
//! is the decoded data plus one buffer, never a copy of the file.

use std::io::{Read, Seek, SeekFrom};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::container::{read_exact_or, SectionLoc};
use super::error::{FileKind, FormatError};

/// Bytes read per step (rounded down to whole records).
const CHUNK_BYTES: usize = 2 << 20;

/// A forward-only reader over a file, with an optional running SHA-256 of everything passed.
pub(crate) struct Stream<R> {
    reader: R,
    pos: u64,
    file_len: u64,
    kind: FileKind,
    hasher: Option<Sha256>,
    buf: Vec<u8>,
}

impl<R: Read + Seek> Stream<R> {
    /// Starts at offset 0; hashes the file when `hash` is set.
    pub fn new(mut reader: R, kind: FileKind, file_len: u64, hash: bool) -> Result<Self, FormatError> {
        reader.seek(SeekFrom::Start(0))?;
        Ok(Stream { reader, pos: 0, file_len, kind, hasher: hash.then(Sha256::new), buf: Vec::new() })
    }

    /// Moves forward to `offset`, hashing the bytes passed over (or seeking when not hashing).
    pub fn advance_to(&mut self, offset: u64) -> Result<(), FormatError> {
        if offset <= self.pos {
            return Ok(());
        }
        if self.hasher.is_none() {
            self.reader.seek(SeekFrom::Start(offset))?;
            self.pos = offset;
            return Ok(());
        }
        while self.pos < offset {
            let n = usize::try_from(offset - self.pos).unwrap_or(CHUNK_BYTES).min(CHUNK_BYTES);
            self.fill(n, "section data")?;
        }
        Ok(())
    }

    /// Reads the next `n` bytes into the buffer and hashes them.
    fn fill(&mut self, n: usize, what: &'static str) -> Result<&[u8], FormatError> {
        self.buf.resize(n, 0);
        let available = self.file_len.saturating_sub(self.pos);
        read_exact_or(&mut self.reader, &mut self.buf, self.kind, what, available)?;
        self.pos += n as u64;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&self.buf);
        }
        Ok(&self.buf)
    }

    /// Decodes `out.len()` records of `record` bytes each from the stream at `loc.offset + skip`
    /// (the caller has checked the section size), `decode(bytes, index)` running in parallel
    /// over each chunk. The first failing record (in file order within a chunk) is reported.
    pub fn decode_into<T, F>(
        &mut self,
        loc: SectionLoc,
        skip: u64,
        record: usize,
        out: &mut [T],
        what: &'static str,
        decode: F,
    ) -> Result<(), FormatError>
    where
        T: Send,
        F: Fn(&[u8], u64) -> Result<T, FormatError> + Sync,
    {
        self.advance_to(loc.offset + skip)?;
        let per_chunk = (CHUNK_BYTES / record.max(1)).max(1);
        let mut done = 0usize;
        for out_chunk in out.chunks_mut(per_chunk) {
            let bytes = self.fill(out_chunk.len() * record, what)?;
            let base = done as u64;
            let parallel = out_chunk
                .par_iter_mut()
                .zip(bytes.par_chunks_exact(record))
                .enumerate()
                .try_for_each(|(i, (slot, b))| decode(b, base + i as u64).map(|v| *slot = v));
            if parallel.is_err() {
                // Rare path: report the first failing record of the chunk, not whichever thread lost.
                for (i, b) in bytes.chunks_exact(record).enumerate() {
                    decode(b, base + i as u64)?;
                }
                parallel?;
            }
            done += out_chunk.len();
        }
        Ok(())
    }

    /// The SHA-256 of everything passed so far (call after advancing to the end of the file).
    pub fn finish(self) -> Option<[u8; 32]> {
        self.hasher.map(|h| h.finalize().into())
    }
}
