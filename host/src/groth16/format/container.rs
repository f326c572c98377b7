//! The binary container shared by `.zkey`, `.wtns` and `.r1cs`: magic, version and a table of
//! `(id, size)` sections, read by seeking over the section bodies (nothing is allocated from a
//! size before it is checked against the file length).

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Seek, SeekFrom};

use super::error::{FileKind, FormatError, Section};

/// Where one section's body lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SectionLoc {
    /// Offset of the first body byte.
    pub offset: u64,
    /// Body size in bytes.
    pub size: u64,
}

/// The parsed section table of a container file.
#[derive(Debug, Clone)]
pub(crate) struct Container {
    /// The file kind (for errors).
    pub kind: FileKind,
    /// Total file length.
    pub file_len: u64,
    /// Sections by id.
    pub sections: BTreeMap<u32, SectionLoc>,
}

impl Container {
    /// Reads and checks the magic, the version and the section table; leaves the reader at an
    /// unspecified position.
    pub fn read<R: Read + Seek>(
        reader: &mut R,
        kind: FileKind,
        magic: [u8; 4],
        version: u32,
    ) -> Result<Self, FormatError> {
        let file_len = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(0))?;
        let mut preamble = [0u8; 12];
        read_exact_or(reader, &mut preamble, kind, "the file header (magic, version, section count)", file_len)?;
        let found_magic = [preamble[0], preamble[1], preamble[2], preamble[3]];
        if found_magic != magic {
            return Err(FormatError::BadMagic { kind, expected: magic, found: found_magic });
        }
        let found_version = le_u32(&preamble[4..8]);
        if found_version != version {
            return Err(FormatError::UnsupportedVersion { kind, expected: version, found: found_version });
        }
        let n_sections = le_u32(&preamble[8..12]);
        let mut sections = BTreeMap::new();
        let mut pos = 12u64;
        for _ in 0..n_sections {
            let mut header = [0u8; 12];
            read_exact_or(reader, &mut header, kind, "a section header (id, size)", file_len.saturating_sub(pos))?;
            let id = le_u32(&header[0..4]);
            let size = u64::from_le_bytes([
                header[4], header[5], header[6], header[7], header[8], header[9], header[10], header[11],
            ]);
            let offset = pos + 12;
            let available = file_len.saturating_sub(offset);
            if size > available {
                return Err(FormatError::SectionPastEnd { kind, id, offset, size, available });
            }
            if sections.insert(id, SectionLoc { offset, size }).is_some() {
                return Err(FormatError::DuplicateSection { kind, id });
            }
            pos = offset + size;
            reader.seek(SeekFrom::Start(pos))?;
        }
        Ok(Container { kind, file_len, sections })
    }

    /// The location of a required section.
    pub fn section(&self, section: Section) -> Result<SectionLoc, FormatError> {
        self.sections.get(&section.id).copied().ok_or(FormatError::MissingSection { kind: self.kind, section })
    }

    /// Reads a small section whole, after checking its size is at most `max` bytes.
    pub fn read_small<R: Read + Seek>(
        &self,
        reader: &mut R,
        section: Section,
        max: u64,
    ) -> Result<Vec<u8>, FormatError> {
        let loc = self.section(section)?;
        if loc.size > max {
            return Err(FormatError::SectionSize {
                kind: self.kind,
                section,
                expected: max,
                found: loc.size,
                detail: "at most".into(),
            });
        }
        reader.seek(SeekFrom::Start(loc.offset))?;
        // `size <= max` is small, and it fits in the file (checked by `read`).
        let mut body = vec![0u8; usize::try_from(loc.size).unwrap_or(0)];
        read_exact_or(reader, &mut body, self.kind, section.name, loc.size)?;
        Ok(body)
    }
}

/// `read_exact`, with an unexpected end of file reported as [`FormatError::Truncated`] (the file
/// may shrink while it is read).
pub(crate) fn read_exact_or<R: Read>(
    reader: &mut R,
    buf: &mut [u8],
    kind: FileKind,
    what: &'static str,
    available: u64,
) -> Result<(), FormatError> {
    reader.read_exact(buf).map_err(|e| {
        if e.kind() == ErrorKind::UnexpectedEof {
            FormatError::Truncated { kind, what, needed: buf.len() as u64, available }
        } else {
            FormatError::Io(e)
        }
    })
}

/// A little-endian u32 from the first four bytes of `b` (callers pass exactly four).
pub(crate) fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    for (dst, src) in a.iter_mut().zip(b) {
        *dst = *src;
    }
    u32::from_le_bytes(a)
}

/// A bounds-checked little-endian cursor over a section body held in memory.
pub(crate) struct ByteCursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    kind: FileKind,
    what: &'static str,
}

impl<'a> ByteCursor<'a> {
    /// A cursor at the start of `bytes`; `what` names the section in truncation errors.
    pub fn new(bytes: &'a [u8], kind: FileKind, what: &'static str) -> Self {
        ByteCursor { bytes, pos: 0, kind, what }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        match rest.get(..n) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(FormatError::Truncated {
                kind: self.kind,
                what: self.what,
                needed: n as u64,
                available: rest.len() as u64,
            }),
        }
    }

    /// The next little-endian u32.
    pub fn u32(&mut self) -> Result<u32, FormatError> {
        self.take(4).map(le_u32)
    }

    /// The next little-endian u64.
    pub fn u64(&mut self) -> Result<u64, FormatError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Reads the `u32 n8, prime` header that `.wtns` and `.r1cs` start with, and checks that
    /// the prime is BN254's r.
    pub fn expect_bn254_r(&mut self) -> Result<(), FormatError> {
        let n8 = self.u32()?;
        let prime = self.take(n8 as usize)?;
        let r = super::field_bytes::bn254_r_bytes();
        if prime != r {
            let decimal = super::field_bytes::decimal;
            return Err(FormatError::WrongPrime { kind: self.kind, found: decimal(prime), expected: decimal(&r) });
        }
        Ok(())
    }

    /// Bytes not consumed yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
}
