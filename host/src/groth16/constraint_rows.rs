//! The A and B matrices of a proving key, row by row, to evaluate A·w and B·w in parallel.
//!
//! A zkey lists its non-zero coefficients in file order, which is not guaranteed to be grouped
//! by constraint. Sorting them once into rows (compressed sparse rows) at load time lets each
//! proof evaluate the rows in parallel with no shared accumulator.

use ark_bn254::Fr;
use rayon::prelude::*;

use super::key::{Coefficient, Matrix};

/// One sparse matrix in compressed-row form.
#[derive(Debug, Clone, Default)]
pub struct SparseRows {
    /// `offsets[i]..offsets[i + 1]` are row i's entries; `domain_size + 1` offsets.
    offsets: Vec<u32>,
    /// Witness index of each entry.
    signals: Vec<u32>,
    /// Coefficient of each entry.
    values: Vec<Fr>,
}

impl SparseRows {
    /// Groups the entries of `matrix` among `coefficients` by row, for a domain of `rows` rows.
    ///
    /// Every entry's `constraint` must be below `rows` (the readers check it).
    pub fn build(coefficients: &[Coefficient], matrix: Matrix, rows: usize) -> SparseRows {
        let mut counts = vec![0u32; rows + 1];
        for c in coefficients.iter().filter(|c| c.matrix == matrix) {
            counts[c.constraint as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let total = counts[rows] as usize;
        let mut next = counts.clone();
        let mut signals = vec![0u32; total];
        let mut values = vec![Fr::from(0u64); total];
        for c in coefficients.iter().filter(|c| c.matrix == matrix) {
            let slot = &mut next[c.constraint as usize];
            signals[*slot as usize] = c.signal;
            values[*slot as usize] = c.value;
            *slot += 1;
        }
        SparseRows { offsets: counts, signals, values }
    }

    /// Number of non-zero entries.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the matrix has no entries.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Writes row i's dot product with `witness` into `out[i]` for every row.
    ///
    /// `out.len()` must be the row count and every signal index below `witness.len()`.
    pub fn evaluate_into(&self, witness: &[Fr], out: &mut [Fr]) {
        const ROWS_PER_TASK: usize = 1 << 12;
        out.par_chunks_mut(ROWS_PER_TASK).enumerate().for_each(|(chunk, rows)| {
            let first = chunk * ROWS_PER_TASK;
            for (i, row) in rows.iter_mut().enumerate() {
                let start = self.offsets[first + i] as usize;
                let end = self.offsets[first + i + 1] as usize;
                let mut sum = Fr::from(0u64);
                for (signal, value) in self.signals[start..end].iter().zip(&self.values[start..end]) {
                    sum += *value * witness[*signal as usize];
                }
                *row = sum;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coefficient(matrix: Matrix, constraint: u32, signal: u32, value: u64) -> Coefficient {
        Coefficient { matrix, constraint, signal, value: Fr::from(value) }
    }

    #[test]
    fn rows_in_any_order_evaluate_like_a_dense_product() {
        let coefficients = vec![
            coefficient(Matrix::A, 2, 1, 3),
            coefficient(Matrix::B, 0, 0, 9),
            coefficient(Matrix::A, 0, 2, 5),
            coefficient(Matrix::A, 2, 0, 7),
            coefficient(Matrix::A, 0, 2, 1),
        ];
        let witness = [Fr::from(1u64), Fr::from(10u64), Fr::from(100u64)];
        let a = SparseRows::build(&coefficients, Matrix::A, 4);
        assert_eq!(a.len(), 4);
        let mut out = vec![Fr::from(99u64); 4];
        a.evaluate_into(&witness, &mut out);
        assert_eq!(out, vec![Fr::from(600u64), Fr::from(0u64), Fr::from(37u64), Fr::from(0u64)]);
        let b = SparseRows::build(&coefficients, Matrix::B, 4);
        b.evaluate_into(&witness, &mut out);
        assert_eq!(out, vec![Fr::from(9u64), Fr::from(0u64), Fr::from(0u64), Fr::from(0u64)]);
        assert!(SparseRows::build(&[], Matrix::A, 1).is_empty());
    }
}
