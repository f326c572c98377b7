//! Bucket accumulation in affine coordinates with batched additions.
//!
//! Additions are collected into a batch in which no two touch the same bucket; the batch then
//! shares one field inversion (Montgomery's trick), so an addition costs about six
//! multiplications. An addition aimed at a bucket already in the batch waits in a queue and joins
//! a later batch; when the queue is full (inputs that hammer a few buckets) it is added at once to
//! a lazily allocated projective "spill" bucket instead, so no input degrades quadratically.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, One, Zero};

use super::digits::Members;

/// One pending addition: `bucket` (bit 31 set: add the negated point) and the point's index.
#[derive(Clone, Copy)]
struct Entry {
    bucket: u32,
    point: u32,
}

const NEG: u32 = 1 << 31;

impl Entry {
    #[inline(always)]
    fn bucket(self) -> usize {
        (self.bucket & !NEG) as usize
    }
}

/// What a batched addition turned out to be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Distinct x coordinates: chord addition.
    Add,
    /// Equal points: tangent doubling.
    Double,
    /// Opposite points (or a 2-torsion doubling): the bucket becomes empty.
    Cancel,
}

/// Affine buckets plus the batching state of one accumulation task.
pub struct AffineBuckets<'a, P: SWCurveConfig> {
    bases: &'a [Affine<P>],
    /// The buckets; the identity marks an empty one.
    pub buckets: Vec<Affine<P>>,
    /// Projective overflow buckets, allocated on first use; add them to `buckets` when reducing.
    pub spill: Option<Vec<Projective<P>>>,
    pending: Vec<u64>,
    batch: Vec<Entry>,
    queue: Vec<Entry>,
    prefix: Vec<P::BaseField>,
    dens: Vec<P::BaseField>,
    kinds: Vec<Kind>,
    cap: usize,
    /// The vector path's state (G1 on AVX-512 IFMA only), allocated on first use.
    #[cfg(target_arch = "x86_64")]
    vector: Option<Box<VectorState>>,
}

/// Buffers of [`AffineBuckets::flush_vector`].
#[cfg(target_arch = "x86_64")]
#[derive(Default)]
struct VectorState {
    /// The batch's chord additions (distinct x), in the scratch's element order.
    adds: Vec<Entry>,
    /// The rest (doubling, cancellation): the scalar path's.
    special: Vec<Entry>,
    scratch: super::affine_simd::Scratch,
}

impl<'a, P: SWCurveConfig> AffineBuckets<'a, P> {
    /// Empty `bucket_count` buckets over `bases`, batching `batch` additions per inversion.
    pub fn new(bases: &'a [Affine<P>], bucket_count: usize, batch: usize) -> Self {
        let cap = batch.max(1);
        AffineBuckets {
            bases,
            buckets: vec![Affine::identity(); bucket_count],
            spill: None,
            pending: vec![0u64; bucket_count.div_ceil(64)],
            batch: Vec::with_capacity(cap),
            queue: Vec::with_capacity(cap),
            prefix: vec![P::BaseField::zero(); cap],
            dens: vec![P::BaseField::zero(); cap],
            kinds: vec![Kind::Add; cap],
            cap,
            #[cfg(target_arch = "x86_64")]
            vector: None,
        }
    }

    /// Adds the points `members[first..]` times their digits (`digits[i]` belongs to point
    /// `first + i`) into the buckets, then drains every pending addition. Points with a nonzero
    /// digit must not be the identity (the digit table zeroes those).
    pub fn accumulate(&mut self, digits: &[i16], members: Members<'_>, first: usize) {
        for (i, &d) in digits.iter().enumerate() {
            if d == 0 {
                continue;
            }
            let point = members.index(first + i) as u32;
            let bucket = if d > 0 { (d as u32) - 1 } else { ((-(d as i32)) as u32 - 1) | NEG };
            self.push(Entry { bucket, point });
        }
        self.finish();
    }

    #[inline(always)]
    fn is_pending(&self, bucket: usize) -> bool {
        self.pending[bucket / 64] >> (bucket % 64) & 1 == 1
    }

    #[inline(always)]
    fn point(&self, e: Entry) -> Affine<P> {
        let p = self.bases[e.point as usize];
        if e.bucket & NEG != 0 {
            -p
        } else {
            p
        }
    }

    /// Queues or batches one addition, flushing the batch when it is full.
    #[inline]
    fn push(&mut self, e: Entry) {
        if self.is_pending(e.bucket()) {
            self.defer(e);
        } else {
            self.insert(e);
            if self.batch.len() == self.cap {
                self.flush();
                self.requeue();
            }
        }
    }

    /// Handles an addition whose bucket is already in the batch.
    #[cold]
    fn defer(&mut self, e: Entry) {
        if self.queue.len() < self.cap {
            self.queue.push(e);
            return;
        }
        if self.batch.len() >= self.cap / 4 {
            self.flush();
            self.requeue();
            if !self.is_pending(e.bucket()) && self.batch.len() < self.cap {
                self.insert(e);
                return;
            }
        }
        self.spill_add(e);
    }

    /// Adds `e` straight into its projective spill bucket.
    fn spill_add(&mut self, e: Entry) {
        let n = self.buckets.len();
        let p = self.point(e);
        let spill = self.spill.get_or_insert_with(|| vec![Projective::zero(); n]);
        spill[e.bucket()] += &p;
    }

    /// Puts `e` (whose bucket is not pending, with room in the batch) into its empty bucket or
    /// into the batch.
    #[inline(always)]
    fn insert(&mut self, e: Entry) {
        let b = e.bucket();
        if self.buckets[b].is_zero() {
            self.buckets[b] = self.point(e);
        } else {
            self.pending[b / 64] |= 1 << (b % 64);
            self.batch.push(e);
        }
    }

    /// Moves queued additions whose buckets are free into the batch.
    fn requeue(&mut self) {
        let mut queue = std::mem::take(&mut self.queue);
        queue.retain(|&e| {
            if self.batch.len() < self.cap && !self.is_pending(e.bucket()) {
                self.insert(e);
                false
            } else {
                true
            }
        });
        self.queue = queue;
    }

    /// Executes every pending addition: flushes until the queue is empty, sending what still
    /// conflicts after a few rounds to the spill buckets.
    fn finish(&mut self) {
        for _ in 0..8 {
            self.flush();
            if self.queue.is_empty() {
                return;
            }
            self.requeue();
        }
        self.flush();
        for e in std::mem::take(&mut self.queue) {
            self.spill_add(e);
        }
    }

    /// Performs the batch's additions with one shared inversion.
    fn flush(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if self.batch.len() >= super::affine_simd::VECTOR_MIN && super::affine_simd::vector_path::<P>() {
            self.flush_vector();
            return;
        }
        self.flush_scalar();
    }

    /// [`Self::flush`] for G1 with AVX-512 IFMA: the chord additions (distinct x, nearly all)
    /// run 8 lanes at a time ([`super::affine_simd`], bit-identical results); the special cases
    /// (doubling, cancellation) then take the scalar path with their own inversion.
    #[cfg(target_arch = "x86_64")]
    fn flush_vector(&mut self) {
        use super::affine_simd::{add_batch, fq_words, set_fq_words, Scratch};
        let mut st = self.vector.take().unwrap_or_default();
        st.adds.clear();
        st.special.clear();
        st.scratch.resize(self.batch.len());
        let bases = self.bases;
        for &e in &self.batch {
            let b = &self.buckets[e.bucket()];
            let q = &bases[e.point as usize];
            if b.x == q.x {
                st.special.push(e);
                continue;
            }
            let i = st.adds.len();
            st.adds.push(e);
            let qy = if e.bucket & NEG != 0 { -q.y } else { q.y };
            Scratch::set(&mut st.scratch.x1, i, fq_words(&b.x));
            Scratch::set(&mut st.scratch.y1, i, fq_words(&b.y));
            Scratch::set(&mut st.scratch.x2, i, fq_words(&q.x));
            Scratch::set(&mut st.scratch.y2, i, fq_words(&qy));
        }
        let n = st.adds.len();
        st.scratch.resize(n);
        add_batch(&mut st.scratch, n);
        for (i, &e) in st.adds.iter().enumerate() {
            let idx = e.bucket();
            self.pending[idx / 64] &= !(1 << (idx % 64));
            let b = &mut self.buckets[idx];
            set_fq_words(&mut b.x, Scratch::get(&st.scratch.x1, i));
            set_fq_words(&mut b.y, Scratch::get(&st.scratch.y1, i));
        }
        self.batch.clear();
        self.batch.extend_from_slice(&st.special);
        self.vector = Some(st);
        self.flush_scalar();
    }

    /// [`Self::flush`] with arkworks' scalar field arithmetic.
    fn flush_scalar(&mut self) {
        let len = self.batch.len();
        if len == 0 {
            return;
        }
        let bases = self.bases;
        let batch = &self.batch[..len];
        let prefix = &mut self.prefix[..len];
        let dens = &mut self.dens[..len];
        let kinds = &mut self.kinds[..len];
        // Pass 1: denominators and their prefix products.
        let mut acc = P::BaseField::one();
        for (((e, pre), den), kind) in batch.iter().zip(prefix.iter_mut()).zip(dens.iter_mut()).zip(kinds.iter_mut()) {
            let b = &self.buckets[e.bucket()];
            let q = &bases[e.point as usize];
            if b.x != q.x {
                *den = q.x - b.x;
                *kind = Kind::Add;
            } else {
                let qy = if e.bucket & NEG != 0 { -q.y } else { q.y };
                if b.y == qy && !b.y.is_zero() {
                    *den = b.y.double();
                    *kind = Kind::Double;
                } else {
                    *den = P::BaseField::one();
                    *kind = Kind::Cancel;
                }
            }
            *pre = acc;
            acc *= &*den;
        }
        // Every denominator is nonzero, so the product is invertible.
        let mut inv = acc.inverse().unwrap_or_else(P::BaseField::one);
        // Pass 2 (backwards): each inverse from the running inverse, then the addition.
        for (((e, pre), den), kind) in batch.iter().zip(prefix.iter()).zip(dens.iter()).zip(kinds.iter()).rev() {
            let den_inv = inv * pre;
            inv *= den;
            let idx = e.bucket();
            self.pending[idx / 64] &= !(1 << (idx % 64));
            let q = &bases[e.point as usize];
            let b = &mut self.buckets[idx];
            let lambda = match kind {
                Kind::Add => {
                    let dy = if e.bucket & NEG != 0 { -q.y - b.y } else { q.y - b.y };
                    dy * den_inv
                }
                Kind::Double => {
                    let xx = b.x.square();
                    (xx.double() + xx + P::COEFF_A) * den_inv
                }
                Kind::Cancel => {
                    *b = Affine::identity();
                    continue;
                }
            };
            let x3 = lambda.square() - b.x - q.x;
            b.y = lambda * (b.x - x3) - b.y;
            b.x = x3;
        }
        self.batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};

    /// Σ_j (bucket_j contents) compared with a direct projective sum per bucket.
    fn check(bases: &[G1Affine], digits: &[i16], buckets: usize, batch: usize) {
        let mut acc = AffineBuckets::new(bases, buckets, batch);
        acc.accumulate(digits, Members::All(bases.len()), 0);
        let mut want = vec![G1Projective::zero(); buckets];
        for (p, &d) in bases.iter().zip(digits) {
            if d > 0 {
                want[d as usize - 1] += p;
            } else if d < 0 {
                want[(-d) as usize - 1] -= p;
            }
        }
        for j in 0..buckets {
            let mut got: G1Projective = acc.buckets[j].into();
            if let Some(s) = &acc.spill {
                got += s[j];
            }
            assert_eq!(got.into_affine(), want[j].into_affine(), "bucket {j}");
        }
    }

    fn points(n: usize) -> Vec<G1Affine> {
        let g = G1Projective::generator();
        let v: Vec<G1Projective> = (1..=n as u64).map(|k| g * Fr::from(k * 7919 + 3)).collect();
        G1Projective::normalize_batch(&v)
    }

    #[test]
    fn distinct_points_many_buckets() {
        let bases = points(600);
        let digits: Vec<i16> = (0..600).map(|i| ((i * 37 % 61) as i16) - 30).collect();
        check(&bases, &digits, 31, 8);
        check(&bases, &digits, 31, 1);
        check(&bases, &digits, 31, 64);
    }

    /// Long batches mixing chord additions, doublings and cancellations (the vector path for G1
    /// where the CPU has IFMA, with the special cases on the scalar path).
    #[test]
    fn long_batches_with_special_cases() {
        let pts = points(64);
        let mut bases = pts.clone();
        bases.extend(pts.iter().copied());
        bases.extend(pts.iter().map(|p| -*p));
        bases.extend(points(300));
        let digits: Vec<i16> = (0..bases.len())
            .map(|i| match i / 64 {
                0 => (i % 64) as i16 + 1,
                1 if i % 2 == 0 => (i % 64) as i16 + 1,
                1 => ((i + 7) % 64) as i16 + 1,
                2 if i % 3 == 0 => -((i % 64) as i16 + 1),
                2 => (i % 64) as i16 + 1,
                _ => (i * 13 % 64) as i16 - 32,
            })
            .collect();
        for batch in [16, 32, 64] {
            check(&bases, &digits, 64, batch);
        }
    }

    #[test]
    fn doubling_cancellation_and_identity() {
        let p = points(1)[0];
        let mut bases = vec![p; 40];
        bases.extend(vec![-p; 40]);
        bases.push(p);
        let digits = vec![1i16; 81];
        // Bucket 0 receives 40·P then −40·P: doublings, then cancellation down to empty.
        check(&bases, &digits, 4, 4);
        // Alternating signs hit the "opposite point" case repeatedly.
        let alt: Vec<i16> = (0..81).map(|i| if i % 2 == 0 { 2 } else { -2 }).collect();
        check(&bases, &alt, 4, 2);
        // Everything into one bucket: the queue fills and the spill path takes over.
        let same = vec![p; 3000];
        check(&same, &vec![-3i16; 3000], 4, 16);
    }
}
