//! The kernel's workloads as the accelerator front's [`G1Engines`].

pub mod msm;
pub mod ntt;
pub mod poseidon;

use std::ops::Range;
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use zkaccel_backends::accelerator::G1Engines;
use zkaccel_backends::device_layout::g1_affine_to_bytes;
use zkaccel_backends::{MerkleOutput, MerkleTree, NttConfig, Result};

use crate::device::Device;
use crate::transport::DeviceBuffer;

/// MSM, NTT and Poseidon on one kernel.
pub struct FpgaEngines {
    device: Arc<Device>,
    twiddles: ntt::Twiddles,
}

/// G1 bases resident in device memory, with their identity mask and the host's copy (for
/// windows the kernel leaves to the host).
pub struct FpgaBases {
    buffer: DeviceBuffer,
    identity: Vec<bool>,
    host: Arc<[G1Affine]>,
}

impl FpgaEngines {
    /// Engines over `device`.
    pub fn new(device: Arc<Device>) -> Self {
        FpgaEngines { device, twiddles: ntt::Twiddles::default() }
    }

    /// The kernel these engines drive.
    pub fn device(&self) -> &Arc<Device> {
        &self.device
    }
}

fn identities(bases: &[G1Affine]) -> Vec<bool> {
    bases.iter().map(|p| p.is_zero()).collect()
}

impl G1Engines for FpgaEngines {
    type Bases = FpgaBases;

    fn msm_g1(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1Projective> {
        let mut session = self.device.session();
        let points = session.upload(&g1_affine_to_bytes(bases))?;
        let result = msm::msm(&self.device, &mut session, points.addr, bases, &identities(bases), scalars, None);
        session.free(points);
        result
    }

    fn load_bases_g1(&self, bases: Arc<[G1Affine]>) -> Result<FpgaBases> {
        let buffer = self.device.session().upload(&g1_affine_to_bytes(&bases))?;
        Ok(FpgaBases { buffer, identity: identities(&bases), host: bases })
    }

    fn unload_bases_g1(&self, bases: &FpgaBases) -> Result<()> {
        self.device.session().free(bases.buffer);
        Ok(())
    }

    fn msm_g1_resident(&self, bases: &FpgaBases, range: Range<usize>, scalars: &[Fr]) -> Result<G1Projective> {
        let mut session = self.device.session();
        let addr = bases.buffer.addr + 64 * range.start as u64;
        let host = &bases.host[range.clone()];
        msm::msm(&self.device, &mut session, addr, host, &bases.identity[range], scalars, None)
    }

    fn ntt(&self, data: &mut [Fr], config: NttConfig) -> Result<()> {
        ntt::ntt(&self.device, &self.twiddles, data, config)
    }

    fn ntt_batch(&self, data: &mut [Fr], ntt_len: usize, config: NttConfig) -> Result<()> {
        data.chunks_mut(ntt_len).try_for_each(|poly| ntt::ntt(&self.device, &self.twiddles, poly, config))
    }

    fn poseidon_hash_batch(&self, inputs: &[Fr], arity: usize) -> Result<Vec<Fr>> {
        poseidon::hash_batch(&self.device, inputs, arity)
    }

    fn merkle_tree(&self, leaves: &[Fr], output: MerkleOutput) -> Result<MerkleTree> {
        poseidon::merkle_tree(&self.device, leaves, output)
    }
}
